/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/cleanup.h"

#include <jansson.h>

/** A json_t * dropped (json_decref) at the end of its scope; TAKE_PTR hands it on. */
#define _cleanup_json_ _cleanup_(json_decrefp)
