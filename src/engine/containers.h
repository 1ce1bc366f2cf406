/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/cleanup.h"
#include "base/db.h"
#include "base/error.h"

/** Container records in berth.db (module "engine"). */
int berth_containers_migrate(berth_db *db, berth_error *err);
