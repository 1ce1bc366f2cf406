/* SPDX-License-Identifier: Apache-2.0 */
/* --format's Go templates (cmd/berth/template.c) over an inspect-like object: what docker's
 * documentation and users' scripts write, and Go's answers to them. */
#include "format.h"
#include "tap.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *obj;

static const char DOC[] =
    "{'Id': '0123456789abcdef', 'Name': '/web',"
    " 'State': {'Status': 'running', 'Running': true, 'Paused': false, 'Pid': 42,"
    "           'ExitCode': 0, 'Health': null},"
    " 'Config': {'Cmd': ['httpd', '-f', '-p', '80'], 'Labels': {'b': '2', 'a': '1'},"
    "            'Env': []},"
    " 'NetworkSettings': {'Ports': {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '8080'}],"
    "                               '53/udp': null},"
    "                     'Networks': {'front': {'IPAddress': '10.1.0.2'},"
    "                                  'back': {'IPAddress': '10.2.0.2'}}},"
    " 'Mounts': [], 'Size': 1.5, 'Count': 3}";

/* the template's output, or "ERR: " and the message */
static char *fmt(const char *tmpl)
{
        char msg[512] = "";
        char *s = cli_format_json(tmpl, obj, msg, sizeof(msg));
        if (s)
                return s;
        size_t n = strlen(msg) + 8;
        char *e = malloc(n);
        snprintf(e, n, "ERR: %s", msg);
        return e;
}

/* a template as a one-line test name */
static const char *name_of(const char *tmpl)
{
        static char buf[256];
        size_t n = 0;
        for (const char *p = tmpl; *p && n + 3 < sizeof(buf); p++) {
                if (*p == '\n') {
                        buf[n++] = '\\';
                        buf[n++] = 'n';
                } else {
                        buf[n++] = *p;
                }
        }
        buf[n] = '\0';
        return buf;
}

static void is_fmt(const char *tmpl, const char *want)
{
        char *got = fmt(tmpl);
        is_str(got, want, "%s", name_of(tmpl));
        free(got);
}

static void err_fmt(const char *tmpl, const char *want_prefix)
{
        char *got = fmt(tmpl);
        ok(strncmp(got, want_prefix, strlen(want_prefix)) == 0, "%s: %s", name_of(tmpl), got);
        free(got);
}

int main(void)
{
        char *doc = strdup(DOC);
        for (char *p = doc; *p; p++)
                if (*p == '\'')
                        *p = '"';
        obj = json_loads(doc, 0, NULL);
        free(doc);
        ok(obj != NULL, "the document parses");

        /* fields, printing as Go prints */
        is_fmt("{{.Name}} {{.State.Pid}} {{.State.Running}}", "/web 42 true");
        is_fmt("{{.Config.Cmd}}", "[httpd -f -p 80]");
        is_fmt("{{.Config.Labels}}", "map[a:1 b:2]");
        is_fmt("{{.Size}} {{.Count}}", "1.5 3");
        is_fmt("{{.State.Health}}", "<no value>");
        is_fmt("{{index .Config.Labels \"zz\"}}", "<no value>");
        is_fmt("plain text, no actions", "plain text, no actions");
        err_fmt("{{.Nope}}", "ERR: template: can't evaluate field Nope");
        err_fmt("{{.Name.X}}", "ERR: template: can't evaluate field X");

        /* docker's documented idioms */
        is_fmt("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", "10.2.0.2 10.1.0.2 ");
        is_fmt("{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}", "8080");
        is_fmt("{{range $p, $conf := .NetworkSettings.Ports}}{{$p}} -> {{$conf}}; {{end}}",
               "53/udp -> <no value>; 80/tcp -> [map[HostIp:127.0.0.1 HostPort:8080]]; ");
        is_fmt("{{json .Config.Labels}}", "{\"b\":\"2\",\"a\":\"1\"}");
        is_fmt("{{json .State.Health}}", "null");
        is_fmt("{{.State.Status | printf \"%-9s|\"}}", "running  |");

        /* docker's .Label method, on an object's Labels and on a listing row's "k=v,…" */
        is_fmt("{{.Config.Label \"a\"}}|{{.Config.Label \"zz\"}}|{{\"b\" | .Config.Label}}",
               "1||2");
        json_t *row = json_pack("{s:s}", "Labels", "com.x=web,tier=front");
        char msg[256];
        char *got =
            cli_format_json("{{.Label \"tier\"}} {{.Label \"com.x\"}}", row, msg, sizeof(msg));
        is_str(got, "front web", "a row's .Label \"tier\"");
        free(got);
        json_decref(row);
        err_fmt("{{.Config.Label 1}}", "ERR: template: Label wants a label's name");

        /* control */
        is_fmt("{{if .State.Running}}up{{else}}down{{end}}", "up");
        is_fmt("{{if .State.Paused}}p{{else if eq .State.Status \"running\"}}r{{else}}?{{end}}",
               "r");
        is_fmt("{{if .State.Paused}}p{{else if .State.Paused}}q{{else}}none{{end}}", "none");
        is_fmt("{{with .Config.Labels}}{{.a}}{{end}}{{with .State.Health}}h{{else}}-{{end}}", "1-");
        is_fmt("{{range .Mounts}}m{{else}}no mounts{{end}}", "no mounts");
        is_fmt("{{range $i, $a := .Config.Cmd}}{{$i}}={{$a}} {{end}}", "0=httpd 1=-f 2=-p 3=80 ");
        is_fmt("{{range .Config.Cmd}}{{$.Name}}{{end}}", "/web/web/web/web");
        is_fmt("{{$n := .Name}}{{$n}}{{$n = \"x\"}}{{$n}}", "/webx");
        is_fmt("a {{- /* a comment */ -}} b", "ab");
        is_fmt("{{- range .Config.Cmd -}}\n  [{{.}}]\n{{- end}}", "[httpd][-f][-p][80]");

        /* functions */
        is_fmt("{{len .Config.Cmd}} {{len .Config.Labels}} {{len .Name}}", "4 2 4");
        is_fmt("{{index .Config.Cmd 1}} {{slice .Id 0 4}} {{slice .Config.Cmd 2}}",
               "-f 0123 [-p 80]");
        is_fmt("{{join .Config.Cmd \",\"}} {{split \"a:b:c\" \":\"}}", "httpd,-f,-p,80 [a b c]");
        is_fmt("{{lower \"AbC\"}} {{upper .Name}} {{title \"hello world\"}}",
               "abc /WEB Hello World");
        is_fmt("{{truncate .Id 6}}|{{pad \"x\" 1 2}}|", "012345| x  |");
        is_fmt("{{printf \"%s:%d %q %5.1f %%\" .Name .State.Pid \"q\" .Size}}",
               "/web:42 \"q\"   1.5 %");
        is_fmt("{{print 1 2 \"a\" \"b\" 3}}|{{println \"x\" 1}}", "1 2ab3|x 1\n");
        is_fmt("{{and .State.Running .Name}} {{or .State.Paused \"no\"}} {{not .State.Running}}",
               "/web no false");
        is_fmt("{{eq .State.Pid 42}} {{eq .State.Status \"a\" \"running\"}} {{ne 1 2}}",
               "true true true");
        is_fmt("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2}}", "true true true false");

        /* what is refused, with Go's words */
        err_fmt("{{.Name", "ERR: template: unclosed action");
        err_fmt("{{if .State.Running}}x", "ERR: template: unexpected EOF: if without end");
        err_fmt("x{{end}}", "ERR: template: unexpected {{end}}");
        err_fmt("{{nope .Name}}", "ERR: template: function \"nope\" not defined");
        err_fmt("{{index .Config.Cmd 9}}",
                "ERR: template: error calling index: index out of range");
        err_fmt("{{$x}}", "ERR: template: undefined variable \"$x\"");
        err_fmt("{{range .Name}}{{end}}", "ERR: template: range can't iterate over a string");
        err_fmt("{{\"unterminated}}", "ERR: template: unterminated quoted string");
        err_fmt("{{(.Name}}", "ERR: template: unclosed left paren");
        err_fmt("{{.Name 1}}", "ERR: template: can't give argument to non-function");
        err_fmt("{{}}", "ERR: template: missing value for command");
        err_fmt("{{lt .Name 1}}", "ERR: template: incompatible types for comparison");

        json_decref(obj);
        return tap_done();
}
