/* SPDX-License-Identifier: Apache-2.0 */
/* The builder's metadata steps: a parsed Dockerfile's instructions onto a config. */
#include "base/cleanup.h"
#include "base/strutil.h"
#include "build/step.h"
#include "tap.h"

#include <string.h>

/* Apply every instruction of the first stage; returns the history entries joined by '\n'. */
static char *apply(const char *text, oci_image_config *cfg, char **args, berth_error *err)
{
        berth_dockerfile *df = NULL;
        if (berth_dockerfile_parse(text, strlen(text), "Dockerfile", 0, &df, err) < 0)
                return NULL;
        berth_build_scope sc = {.cfg = cfg, .args = args, .escape = df->escape};
        char *all = berth_xstrdup("");
        const berth_dockerfile_stage *st = &df->stages[0];
        for (size_t i = 0; i < st->n_instrs; i++) {
                char *by = NULL;
                if (berth_build_step_meta(&sc, &st->instrs[i], &by, err) < 0) {
                        free(all);
                        all = NULL;
                        break;
                }
                char *n = berth_xasprintf("%s%s\n", all, by);
                free(all);
                free(by);
                all = n;
        }
        berth_dockerfile_free(df);
        return all;
}

static bool env_has(const oci_image_config *c, const char *kv)
{
        return berth_strv_contains(c->config.env, kv);
}

int main(void)
{
        berth_error err = {0};
        oci_image_config *c = berth_oci_image_config_new("linux", "amd64", NULL);
        char *args[] = {"VERSION=1.2", "ONLY_ARG=a", NULL};
        _cleanup_free_ char *h = apply("FROM scratch\n"
                                       "ENV A=one B=\"two words\"\n"
                                       "ENV C=$A-${VERSION} A=changed D=$A\n"
                                       "ENV legacy value with spaces\n"
                                       "LABEL org.x=\"$ONLY_ARG\" plain=1\n"
                                       "WORKDIR /app\n"
                                       "WORKDIR sub/../src\n"
                                       "USER ${A}\n"
                                       "EXPOSE 80 53/udp 8000-8002\n"
                                       "VOLUME /data [\"/not-json\"\n"
                                       "VOLUME [\"/x\", \"/y\"]\n"
                                       "STOPSIGNAL SIGQUIT\n"
                                       "CMD echo $A\n"
                                       "SHELL [\"/bin/bash\", \"-c\"]\n"
                                       "ENTRYPOINT run it\n"
                                       "HEALTHCHECK --interval=5s --retries=2 CMD true\n"
                                       "ONBUILD RUN make\n"
                                       "MAINTAINER someone\n",
                                       c, args, &err);
        ok(h != NULL, "every metadata instruction applies: %s", err.msg);
        ok(env_has(c, "A=changed") && env_has(c, "B=two words"), "ENV pairs, quotes removed");
        ok(env_has(c, "C=one-1.2") && env_has(c, "D=one"),
           "one ENV's pairs see the environment from before it, ARGs under ENV");
        ok(env_has(c, "legacy=value with spaces"), "the legacy ENV form");
        ok(c->config.n_labels == 2 && strcmp(c->config.labels[0].key, "org.x") == 0 &&
               strcmp(c->config.labels[0].value, "a") == 0,
           "LABEL expands ARGs");
        is_str(c->config.working_dir, "/app/src",
               "a relative WORKDIR joins the current one, cleaned");
        is_str(c->config.user, "changed", "USER expands");
        ok(berth_strv_length(c->config.exposed_ports) == 5 &&
               berth_strv_contains(c->config.exposed_ports, "80/tcp") &&
               berth_strv_contains(c->config.exposed_ports, "53/udp") &&
               berth_strv_contains(c->config.exposed_ports, "8001/tcp"),
           "EXPOSE: default tcp, protocols, ranges");
        ok(berth_strv_contains(c->config.volumes, "/data") &&
               berth_strv_contains(c->config.volumes, "[/not-json") &&
               berth_strv_contains(c->config.volumes, "/y"),
           "VOLUME: words (quotes removed: not JSON), and a JSON array");
        is_str(c->config.stop_signal, "SIGQUIT", "STOPSIGNAL");
        ok(c->config.cmd && strcmp(c->config.cmd[0], "/bin/sh") == 0 &&
               strcmp(c->config.cmd[2], "echo $A") == 0,
           "CMD shell form through /bin/sh -c, not expanded by the builder");
        ok(c->config.entrypoint && strcmp(c->config.entrypoint[0], "/bin/bash") == 0 &&
               strcmp(c->config.entrypoint[2], "run it") == 0,
           "ENTRYPOINT through the SHELL set before it");
        ok(c->config.cmd != NULL, "an ENTRYPOINT keeps a CMD this Dockerfile set");
        ok(c->config.healthcheck && c->config.healthcheck->retries == 2 &&
               c->config.healthcheck->interval == 5000000000LL &&
               strcmp(c->config.healthcheck->test[0], "CMD-SHELL") == 0 &&
               strcmp(c->config.healthcheck->test[1], "true") == 0,
           "HEALTHCHECK, shell form as CMD-SHELL");
        ok(c->config.on_build && strcmp(c->config.on_build[0], "RUN make") == 0, "ONBUILD");
        is_str(c->author, "someone", "MAINTAINER is the author");
        like(h, "/bin/sh -c #(nop)  ENV A=one B=two words\n", "ENV's history entry");
        like(h, "/bin/sh -c #(nop) WORKDIR /app/src\n", "WORKDIR's, one space");
        like(h, "/bin/sh -c #(nop)  CMD [\"/bin/sh\" \"-c\" \"echo $A\"]\n", "CMD's, as Go's %%q");
        like(h, "/bin/sh -c #(nop)  EXPOSE 53/udp 80 8000-8002\n", "EXPOSE's, sorted as written");
        like(h, "/bin/bash -c #(nop)  SHELL [/bin/bash -c]\n",
             "SHELL's, through the new shell, as Go's %%v");
        like(h, "/bin/bash -c #(nop)  ENTRYPOINT", "after SHELL, entries start with it");
        like(h,
             "/bin/bash -c #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"true\"] \"5s\" \"0s\" \"0s\" "
             "'\\x02'}\n",
             "HEALTHCHECK's, as Go's %%q of docker's HealthConfig");
        berth_oci_image_config_free(c);

        /* an ENTRYPOINT resets the CMD the base image had */
        c = berth_oci_image_config_new("linux", "amd64", NULL);
        berth_strv_push(&berth_oci_image_config_edit(c)->cmd, "sh");
        free(apply("FROM base\nENTRYPOINT [\"/e\"]\n", c, NULL, &err));
        ok(c->config.cmd == NULL, "an inherited CMD goes with a new ENTRYPOINT");
        berth_oci_image_config_free(c);

        /* errors */
        c = berth_oci_image_config_new("linux", "amd64", NULL);
        ok(apply("FROM base\nEXPOSE 99999\n", c, NULL, &err) == NULL, "a bad port");
        like(err.msg, "invalid containerPort: 99999", "docker's words");
        ok(apply("FROM base\nEXPOSE 80/xyz\n", c, NULL, &err) == NULL, "a bad protocol");
        like(err.msg, "invalid proto: xyz", "docker's words");
        ok(apply("FROM base\nENV X=${UNSET:?must_be_set}\n", c, NULL, &err) == NULL,
           "${V:?msg} stops the build");
        like(err.msg, "must_be_set", "with the message");
        ok(apply("FROM base\nRUN true\n", c, NULL, &err) == NULL, "RUN is not metadata");
        berth_oci_image_config_free(c);
        return tap_done();
}
