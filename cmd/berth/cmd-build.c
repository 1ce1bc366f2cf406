/* SPDX-License-Identifier: Apache-2.0 */
/* build: flags and the context in, berth_build(), docker's last lines out. */
#include "cli.h"
#include "build-progress.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "build/build.h"
#include "build/dockerfile.h"
#include "build/dockerignore.h"
#include "image/reference.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
        OPT_BUILD_ARG = 1000,
        OPT_IIDFILE,
        OPT_LABEL,
        OPT_NETWORK,
        OPT_NO_CACHE,
        OPT_NO_CACHE_FILTER,
        OPT_PULL,
        OPT_TARGET,
        OPT_PLATFORM,
        OPT_SECRET,
        OPT_OUTPUT,
        OPT_SSH,
        OPT_CACHE_FROM,
        OPT_PROGRESS,
        OPT_IGNORED_ARG,
        OPT_IGNORED_FLAG,
};

static const char build_help[] =
    "Usage:  berth build [OPTIONS] PATH | -\n\n"
    "Build an image from a Dockerfile\n\n"
    "Options:\n"
    "      --build-arg list          Set build-time variables\n"
    "      --cache-from strings      Images to consider as cache sources\n"
    "  -f, --file string             Name of the Dockerfile (Default is 'PATH/Dockerfile')\n"
    "      --iidfile string          Write the image ID to the file\n"
    "      --label list              Set metadata for an image\n"
    "      --network string          Set the networking mode for the RUN instructions during\n"
    "                                build: default (the default bridge), none or host\n"
    "      --no-cache                Do not use cache when building the image\n"
    "      --no-cache-filter strings Do not cache specified stages\n"
    "  -o, --output string           Output destination (format: \"type=local,dest=path\" or\n"
    "                                \"type=tar,dest=path\"; a path alone is local, - a tar on\n"
    "                                stdout); no image is tagged\n"
    "      --platform string         Set platform (the host's only)\n"
    "      --progress string         Set type of progress output (auto, plain, tty): plain\n"
    "                                prints the step lines even on a terminal\n"
    "      --pull                    Always attempt to pull a newer version of the image\n"
    "      --ssh stringArray         SSH agent socket to expose to the build (format:\n"
    "                                default|<id>[=<socket>]; default: $SSH_AUTH_SOCK)\n"
    "      --secret stringArray      Secret to expose to the build (format:\n"
    "                                \"id=mysecret[,src=/local/secret|,env=VAR]\")\n"
    "  -q, --quiet                   Suppress the build output and print image ID on success\n"
    "  -t, --tag list                Name and optionally a tag in the 'name:tag' format\n"
    "      --target string           Set the target build stage to build.\n";

typedef struct {
        berth_cli *cli;
        bool quiet;
        const char *platform;
} pull_ctx;

static int pull_for_build(const char *name, void *userdata, berth_digest *ret, berth_error *err)
{
        pull_ctx *p = userdata;
        int r = cli_pull_image(p->cli, name, p->platform, p->quiet, stdout, err);
        if (r < 0)
                return r;
        return berth_images_resolve(cli_images(p->cli, err), name, ret, err);
}

static volatile sig_atomic_t cancelled;

static void on_cancel(int sig)
{
        cancelled = sig;
}

/* Ctrl-C, SIGTERM, SIGHUP stop the build: the running step's process is killed and
 * everything of the build removed before berth exits (no SA_RESTART: waits return). */
static void catch_cancel(void)
{
        struct sigaction sa = {.sa_handler = on_cancel};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
}

/* Everything stdin holds, in a memfd at offset 0. */
static int slurp_stdin(berth_error *err)
{
        int fd = memfd_create("berth-build-stdin", MFD_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot hold stdin");
        char buf[65536];
        ssize_t n;
        while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 || berth_write_all(fd, buf, (size_t)n) < 0) {
                        int e = errno;
                        close(fd);
                        return berth_err(err, e, "cannot read stdin");
                }
        }
        lseek(fd, 0, SEEK_SET);
        return fd;
}

/* Whether fd starts as a tar or a compressed stream does (docker's detection of `build -`). */
static bool looks_like_archive(int fd)
{
        unsigned char h[512] = {0};
        ssize_t n = pread(fd, h, sizeof(h), 0);
        if (n < 6)
                return false;
        if ((h[0] == 0x1f && h[1] == 0x8b) || memcmp(h, "BZh", 3) == 0 ||
            memcmp(h,
                   "\xfd"
                   "7zXZ\0",
                   6) == 0 ||
            memcmp(h, "\x28\xb5\x2f\xfd", 4) == 0)
                return true;
        return n >= 262 && memcmp(h + 257, "ustar", 5) == 0;
}

typedef struct {
        berth_cli *cli;
        berth_build_context unpacked; /* a context from a tar, removed at the end */
        int dirfd;
        char *dockerfile;
        size_t dockerfile_len;
        char *dockerfile_name;
        berth_dockerignore *ignore;
} build_input;

static void build_input_clear(build_input *in)
{
        if (in->unpacked.dir) {
                berth_error ignored = {0};
                berth_engine_build_context_remove(cli_engine(in->cli, &ignored), &in->unpacked);
        } else if (in->dirfd >= 0) {
                close(in->dirfd);
        }
        free(in->dockerfile);
        free(in->dockerfile_name);
        berth_dockerignore_free(in->ignore);
}

/* The Dockerfile held in the memfd fd. */
static int dockerfile_from(int fd, build_input *in, berth_error *err)
{
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_size > BERTH_DOCKERFILE_MAX_SIZE)
                return berth_errx(err, EFBIG, "the Dockerfile is too large");
        in->dockerfile = berth_xmalloc0((size_t)st.st_size + 1);
        in->dockerfile_len = (size_t)berth_read_all(fd, in->dockerfile, (size_t)st.st_size);
        in->dockerfile_name = berth_xstrdup("Dockerfile");
        return 0;
}

/* The context and the Dockerfile as docker's CLI finds them: PATH, or "-" (a tar, or a
 * Dockerfile alone); -f relative to the current directory, "-" for stdin. */
static int open_input(berth_cli *cli, const char *path, const char *file, build_input *in,
                      berth_error *err)
{
        int r;
        if (strcmp(path, "-") == 0) {
                if (file && strcmp(file, "-") == 0)
                        return berth_errx(err, EINVAL,
                                          "invalid argument: can't use stdin for both build "
                                          "context and dockerfile");
                _cleanup_close_ int fd = slurp_stdin(err);
                if (fd < 0)
                        return fd;
                if (!looks_like_archive(fd)) {
                        /* a Dockerfile alone: no context */
                        if ((r = dockerfile_from(fd, in, err)) < 0)
                                return r;
                        return berth_dockerignore_new(NULL, &in->ignore, err);
                }
                berth_engine *e = cli_engine(cli, err);
                if (e == NULL)
                        return -err->code;
                if ((r = berth_engine_build_context_unpack(e, fd, &in->unpacked, err)) < 0)
                        return r;
                in->dirfd = in->unpacked.dirfd;
        } else {
                in->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (in->dirfd < 0)
                        return berth_errx(err, errno,
                                          errno == ENOENT ? "unable to prepare context: path "
                                                            "\"%s\" not found"
                                                          : "unable to prepare context: %s: %m",
                                          path);
        }
        _cleanup_close_ int dfdir = -1;
        if (file && strcmp(file, "-") == 0) {
                _cleanup_close_ int fd = slurp_stdin(err);
                if (fd < 0)
                        return fd;
                if ((r = dockerfile_from(fd, in, err)) < 0)
                        return r;
        } else if (file && !in->unpacked.dir) {
                /* the user's own file, wherever it is */
                if (berth_read_file(file, &in->dockerfile, &in->dockerfile_len, err) < 0)
                        return berth_errx(err, err->code,
                                          "unable to prepare context: unable to evaluate symlinks "
                                          "in Dockerfile path: %s",
                                          err->msg);
                _cleanup_free_ char *copy = berth_xstrdup(file), *copy2 = berth_xstrdup(file);
                dfdir = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                in->dockerfile_name = berth_xstrdup(basename(copy2));
        } else {
                /* inside the context (a tar's Dockerfile is a path in it) */
                if ((r = berth_build_read_dockerfile(in->dirfd, file, &in->dockerfile,
                                                     &in->dockerfile_len, &in->dockerfile_name,
                                                     err)) < 0)
                        return r;
                dfdir = fcntl(in->dirfd, F_DUPFD_CLOEXEC, 3);
        }
        return berth_dockerignore_load(in->dirfd, dfdir, in->dockerfile_name, &in->ignore, err);
}

typedef struct {
        berth_build_secret *v;
        size_t n;
} secrets;

static void secrets_clear(secrets *s)
{
        for (size_t i = 0; i < s->n; i++) {
                free((char *)s->v[i].id);
                explicit_bzero((char *)s->v[i].data, s->v[i].len);
                free((char *)s->v[i].data);
        }
        free(s->v);
        *s = (secrets){0};
}

/* --secret id=ID[,src=FILE|,source=FILE|,env=VAR][,type=file|env]; an id alone is the
 * environment variable of that name, as docker's CLI reads it. */
static int secret_add(secrets *s, const char *spec, berth_error *err)
{
        _cleanup_free_ char *copy = berth_xstrdup(spec), *id = NULL, *src = NULL, *env = NULL;
        char *save = NULL;
        for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(f, '=');
                if (eq == NULL)
                        return berth_errx(err, EINVAL, "invalid field '%s'", f);
                *eq = '\0';
                const char *v = eq + 1;
                if (strcmp(f, "id") == 0)
                        free(id), id = berth_xstrdup(v);
                else if (strcmp(f, "src") == 0 || strcmp(f, "source") == 0)
                        free(src), src = berth_xstrdup(v);
                else if (strcmp(f, "env") == 0)
                        free(env), env = berth_xstrdup(v);
                else if (strcmp(f, "type") != 0)
                        return berth_errx(err, EINVAL, "unexpected key '%s'", f);
        }
        if (id == NULL || *id == '\0')
                return berth_errx(err, EINVAL, "id is required");
        char *data = NULL;
        size_t len = 0;
        if (src) {
                if (berth_read_file(src, &data, &len, err) < 0)
                        return -err->code;
        } else {
                const char *v = getenv(env ? env : id);
                if (v == NULL)
                        return berth_errx(err, ENOENT, "environment variable %s is not set",
                                          env ? env : id);
                data = berth_xstrdup(v);
                len = strlen(v);
        }
        s->v = berth_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
        s->v[s->n++] = (berth_build_secret){.id = TAKE_PTR(id), .data = data, .len = len};
        return 0;
}

/* -o: "type=local,dest=DIR", "type=tar,dest=FILE", a directory, or "-" (a tar on stdout). */
static int parse_output(const char *spec, char **ret_type, char **ret_dest, berth_error *err)
{
        if (strchr(spec, '=') == NULL) {
                *ret_type = berth_xstrdup(strcmp(spec, "-") == 0 ? "tar" : "local");
                *ret_dest = berth_xstrdup(spec);
                return 0;
        }
        _cleanup_free_ char *copy = berth_xstrdup(spec);
        char *save = NULL;
        for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(f, '=');
                if (eq == NULL)
                        return berth_errx(err, EINVAL, "invalid field '%s'", f);
                *eq = '\0';
                char **slot = strcmp(f, "type") == 0   ? ret_type
                              : strcmp(f, "dest") == 0 ? ret_dest
                                                       : NULL;
                if (slot == NULL)
                        return berth_errx(err, EINVAL, "unexpected key '%s'", f);
                free(*slot);
                *slot = berth_xstrdup(eq + 1);
        }
        if (*ret_type == NULL)
                *ret_type = berth_xstrdup("local");
        if (strcmp(*ret_type, "local") != 0 && strcmp(*ret_type, "tar") != 0)
                return berth_errx(err, EINVAL, "unsupported output type \"%s\" (local or tar)",
                                  *ret_type);
        if (*ret_dest == NULL)
                return berth_errx(err, EINVAL, "dest is required");
        return 0;
}

static int write_iidfile(const char *path, const berth_digest *id, berth_error *err)
{
        return berth_write_file_atomic(path, id->s, strlen(id->s), 0644, err);
}

/* SOURCE_DATE_EPOCH from --build-arg, else the environment; -1 without one. */
static int64_t source_date_epoch(char *const *build_args)
{
        const char *v = getenv("SOURCE_DATE_EPOCH");
        STRV_FOREACH (a, (char **)build_args)
                if (berth_str_has_prefix(*a, "SOURCE_DATE_EPOCH="))
                        v = *a + strlen("SOURCE_DATE_EPOCH=");
        long long n;
        if (v == NULL || *v == '\0' || berth_parse_i64(v, &n) < 0 || n < 0)
                return -1;
        return n;
}

int cmd_build(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"build-arg", required_argument, NULL, OPT_BUILD_ARG},
            {"file", required_argument, NULL, 'f'},
            {"iidfile", required_argument, NULL, OPT_IIDFILE},
            {"label", required_argument, NULL, OPT_LABEL},
            {"network", required_argument, NULL, OPT_NETWORK},
            {"no-cache", no_argument, NULL, OPT_NO_CACHE},
            {"no-cache-filter", required_argument, NULL, OPT_NO_CACHE_FILTER},
            {"platform", required_argument, NULL, OPT_PLATFORM},
            {"pull", no_argument, NULL, OPT_PULL},
            {"secret", required_argument, NULL, OPT_SECRET},
            {"ssh", required_argument, NULL, OPT_SSH},
            {"output", required_argument, NULL, 'o'},
            {"quiet", no_argument, NULL, 'q'},
            {"tag", required_argument, NULL, 't'},
            {"target", required_argument, NULL, OPT_TARGET},
            {"cache-from", required_argument, NULL, OPT_CACHE_FROM},
            {"progress", required_argument, NULL, OPT_PROGRESS},
            {"rm", optional_argument, NULL, OPT_IGNORED_FLAG},
            {"force-rm", optional_argument, NULL, OPT_IGNORED_FLAG},
            {"help", no_argument, NULL, 'h'},
            {0}};
        _cleanup_strv_ char **build_args = berth_xmalloc0(sizeof(char *));
        _cleanup_strv_ char **labels = berth_xmalloc0(sizeof(char *));
        _cleanup_strv_ char **tags = berth_xmalloc0(sizeof(char *));
        _cleanup_strv_ char **no_cache_filter = berth_xmalloc0(sizeof(char *));
        _cleanup_strv_ char **secret_specs = berth_xmalloc0(sizeof(char *));
        _cleanup_strv_ char **ssh_specs = berth_xmalloc0(sizeof(char *));
        _cleanup_strv_ char **cache_from = berth_xmalloc0(sizeof(char *));
        const char *file = NULL, *iidfile = NULL, *network = NULL, *target = NULL;
        const char *output = NULL;
        const char *platform = getenv("DOCKER_DEFAULT_PLATFORM");
        bool no_cache = false, pull = false, quiet = false, plain = false;
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":f:qt:o:h", opts, NULL)) != -1) {
                switch (c) {
                case OPT_BUILD_ARG:
                        berth_strv_push(&build_args, optarg);
                        break;
                case 'f':
                        file = optarg;
                        break;
                case OPT_IIDFILE:
                        iidfile = optarg;
                        break;
                case OPT_LABEL:
                        berth_strv_push(&labels, optarg);
                        break;
                case OPT_NETWORK:
                        network = optarg;
                        break;
                case OPT_NO_CACHE:
                        no_cache = true;
                        break;
                case OPT_NO_CACHE_FILTER:
                        berth_strv_push(&no_cache_filter, optarg);
                        break;
                case OPT_PLATFORM:
                        platform = optarg;
                        break;
                case OPT_PULL:
                        pull = true;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case OPT_SECRET:
                        berth_strv_push(&secret_specs, optarg);
                        break;
                case OPT_CACHE_FROM:
                        berth_strv_push(&cache_from, optarg);
                        break;
                case OPT_SSH:
                        berth_strv_push(&ssh_specs, optarg);
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 't':
                        berth_strv_push(&tags, optarg);
                        break;
                case OPT_TARGET:
                        target = optarg;
                        break;
                case OPT_PROGRESS:
                        plain = strcmp(optarg, "plain") == 0;
                        break;
                case OPT_IGNORED_ARG:
                case OPT_IGNORED_FLAG:
                        break;
                case 'h':
                        fputs(build_help, stdout);
                        return 0;
                default:
                        return cli_bad_flag("build", argv, c);
                }
        }
        if (argc - optind != 1)
                return cli_usage("build", "\"build\" requires exactly 1 argument.");
        if (network && strcmp(network, "default") == 0)
                network = NULL;
        if (network && strcmp(network, "none") != 0 && strcmp(network, "host") != 0)
                return cli_usage("build",
                                 "network mode \"%s\" not supported by berth build "
                                 "(default, none or host)",
                                 network);
        berth_error err = {0};
        _cleanup_free_ char *out_type = NULL, *out_dest = NULL;
        if (output && parse_output(output, &out_type, &out_dest, &err) < 0) {
                fprintf(stderr, "berth: invalid --output %s: %s\n", output, err.msg);
                return 125;
        }
        STRV_FOREACH (t, tags) {
                _cleanup_free_ char *full = NULL;
                if (berth_image_full_tag(*t, &full, &err) < 0) {
                        fprintf(stderr,
                                "berth: invalid argument \"%s\" for \"-t, --tag\" flag: %s\n", *t,
                                err.msg);
                        return 125;
                }
        }
        secrets sec = {0};
        STRV_FOREACH (sp, secret_specs)
                if (secret_add(&sec, *sp, &err) < 0) {
                        secrets_clear(&sec);
                        fprintf(stderr, "berth: invalid secret %s: %s\n", *sp, err.msg);
                        return 125;
                }
        _cleanup_free_ berth_build_ssh *ssh =
            berth_xmalloc0((berth_strv_length(ssh_specs) + 1) * sizeof(*ssh));
        size_t n_ssh = 0;
        STRV_FOREACH (sp, ssh_specs) {
                char *eq = strchr(*sp, '=');
                if (eq)
                        *eq = '\0';
                const char *sock = eq ? eq + 1 : getenv("SSH_AUTH_SOCK");
                if (sock == NULL || *sock == '\0' || strchr(sock, ',')) {
                        secrets_clear(&sec);
                        fprintf(stderr, "berth: invalid --ssh %s: %s\n", *sp,
                                sock && *sock ? "one agent socket per id (no key files)"
                                              : "SSH_AUTH_SOCK is not set");
                        return 125;
                }
                ssh[n_ssh++] = (berth_build_ssh){.id = *sp, .socket = sock};
        }
        berth_images *im = cli_images(cli, &err);
        if (im == NULL) {
                secrets_clear(&sec);
                return cli_error(&err);
        }
        build_input in = {.cli = cli, .dirfd = -1, .unpacked = {.dirfd = -1, .lock = -1}};
        int r = open_input(cli, argv[optind], file, &in, &err);
        if (r < 0) {
                build_input_clear(&in);
                return cli_error(&err);
        }
        fflush(stdout);
        pull_ctx pc = {.cli = cli, .quiet = quiet, .platform = platform};
        berth_build_opts o = {.root = cli->root,
                              .runroot = cli->runroot,
                              .dockerfile = in.dockerfile,
                              .dockerfile_len = in.dockerfile_len,
                              .dockerfile_name = in.dockerfile_name,
                              .context_dirfd = in.dirfd,
                              .ignore = in.ignore,
                              .build_args = build_args,
                              .labels = labels,
                              .tags = output ? NULL : tags,
                              .target = target,
                              .network = network,
                              .net = berth_engine_build_net_new(cli_engine(cli, &err)),
                              .no_cache = no_cache,
                              .no_cache_filter = no_cache_filter,
                              .pull = pull,
                              .cache_from = cache_from,
                              .secrets = sec.v,
                              .n_secrets = sec.n,
                              .ssh = ssh,
                              .n_ssh = n_ssh,
                              .quiet = quiet,
                              .source_date_epoch = source_date_epoch(build_args),
                              /* a tar on stdout: the build's lines go to stderr */
                              .out_fd = quiet || (out_dest && strcmp(out_dest, "-") == 0)
                                            ? STDERR_FILENO
                                            : STDOUT_FILENO,
                              .cancel = &cancelled,
                              .pull_image = pull_for_build,
                              .userdata = &pc};
        if (platform && *platform)
                o.platform = platform;
        /* on a terminal: the compact view, unless the lines go elsewhere */
        cli_build_progress *view = NULL;
        int view_fd = -1;
        if (o.out_fd == STDOUT_FILENO && !plain && cli_build_progress_wanted(stdout) &&
            (view = cli_build_progress_start(stdout, &view_fd)) != NULL)
                o.out_fd = view_fd;
        berth_digest id;
        catch_cancel();
        r = berth_build(im, &o, &id, &err);
        berth_engine_build_net_free((berth_build_net_ops *)o.net);
        cli_build_progress_finish(view, r < 0);
        build_input_clear(&in);
        secrets_clear(&sec);
        if (r < 0 && cancelled)
                return 128 + cancelled;
        if (r < 0)
                return cli_error(&err);
        if (iidfile && write_iidfile(iidfile, &id, &err) < 0)
                return cli_error(&err);
        if (output) {
                berth_engine *e = cli_engine(cli, &err);
                if (e == NULL ||
                    berth_engine_build_output(e, &id, out_type, out_dest, STDOUT_FILENO, &err) < 0)
                        return cli_error(&err);
                return 0;
        }
        if (quiet) {
                printf("%s\n", id.s);
                return 0;
        }
        printf("Successfully built %.12s\n", berth_digest_hex(&id));
        STRV_FOREACH (t, tags) {
                _cleanup_free_ char *full = NULL, *fam = NULL;
                if (berth_image_full_tag(*t, &full, &err) == 0)
                        fam = berth_ref_familiar_of(full);
                printf("Successfully tagged %s\n", fam ? fam : *t);
        }
        return 0;
}
