export * from "./gen/acme/catalog/v1/catalog_pb.js";
export * from "./gen/acme/common/v1/ids_pb.js";
export * from "./gen/acme/common/v1/money_pb.js";
export * from "./gen/acme/orders/v1/orders_pb.js";
export * from "./gen/acme/users/v1/users_pb.js";
