/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "engine/engine.h"

#include <jansson.h>

/**
 * What `docker info` reports that applies to berth, with docker's JSON names
 * (GET /info's): Containers, ContainersRunning/Paused/Stopped, Images,
 * Driver ("overlay2") and DriverStatus (its backing filesystem),
 * LoggingDriver, CgroupDriver ("cgroupfs"), CgroupVersion ("1" on a v1 or
 * hybrid host, "2" on a unified one) and berth's CgroupLayout
 * ("legacy"/"hybrid"/"unified"), Runtimes and DefaultRuntime,
 * KernelVersion, OperatingSystem, OSType, Architecture, NCPU, MemTotal,
 * Name, ServerVersion, DockerRootDir (BERTH_ROOT), RunRoot and
 * SecurityOptions ("name=seccomp,profile=default", "name=cgroupns").
 * Reads only; a new reference, or NULL with *err set.
 */
json_t *berth_engine_info(berth_engine *e, berth_error *err);
