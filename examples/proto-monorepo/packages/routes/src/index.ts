import { routes as catalog } from "./gen/acme/catalog/v1/catalog_routes.js";
import { routes as orders } from "./gen/acme/orders/v1/orders_routes.js";
import { routes as users } from "./gen/acme/users/v1/users_routes.js";

export const allRoutes = [...catalog, ...orders, ...users];
