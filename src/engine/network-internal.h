/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Shared by the network module's files (network.c, network-config.c). */
#include "engine/engine-internal.h"
#include "engine/network.h"

/** A create body checked and made into the inspect object of network id (network-config.c). */
int engine_network_config(berth_engine *e, const json_t *body, const char *id, json_t **ret,
                          berth_error *err);
/** Every network's inspect object, without Containers (new array). */
int engine_networks_all(berth_engine *e, json_t **ret, berth_error *err);
