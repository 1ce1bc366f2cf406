#!/usr/bin/perl
# Where the time of `berth run --rm IMAGE CMD` goes, from `perf script` of
#   perf record -e sched:sched_process_exec,sched:sched_process_fork,
#     sched:sched_process_exit,syscalls:sys_enter_unshare,
#     syscalls:sys_enter_pivot_root,syscalls:sys_enter_write,
#     syscalls:sys_exit_write -- <a loop of berth run --rm>
# (bench/containers.sh). Each run is the process tree of one exec of
# cmd/berth/berth; its phases are cut at the exec of the monitor, the
# monitor's re-exec from its sealed copy, the runtime's unshare and
# pivot_root, the exec and exit of the container's command and the `berth rm`
# that --rm runs. The longest write() of the runtime before unshare is its
# pid going into cgroup.procs (the cgroup v1 attach). Prints a markdown table
# of medians.
use strict;
use warnings;

my (@runs, $cur, %tree, %wstart);
sub flush {
    push @runs, {%$cur} if $cur && defined $cur->{end};
    $cur = undef;
    %tree = ();
    %wstart = ();
}
while (<>) {
    next unless /^\s*(\S.*?)\s+(\d+)\s+\[\d+\]\s+([\d.]+):\s+(\S+):\s*(.*)$/;
    my ($comm, $pid, $t, $ev, $rest) = ($1, $2, $3 * 1000, $4, $5);
    if ($ev =~ /sched_process_exec/ && $rest =~ m{cmd/berth/berth } && !$tree{$pid}) {
        flush();
        $cur = {root => $pid, start => $t};
        $tree{$pid} = 1;
        next;
    }
    next unless $cur;
    if ($ev =~ /sched_process_fork/ && $rest =~ /\bpid=(\d+).*child_pid=(\d+)/) {
        next unless $tree{$1};
        $tree{$2} = 1;
        $cur->{fork} //= $t if $1 == $cur->{root};
        next;
    }
    next unless $tree{$pid};
    if ($ev =~ /sched_process_exec/) {
        if ($rest =~ m{berth-monitor/berth-monitor}) { $cur->{mon} //= $t }
        elsif ($rest =~ m{filename=/dev/fd/|filename=/proc/self/fd/}) { $cur->{memfd} //= $t }
        elsif ($rest =~ m{cmd/berth/berth }) { $cur->{rm} = $t; $cur->{rmpid} = $pid }
        elsif (defined $cur->{pivot} && !defined $cur->{cmd}) { $cur->{cmd} = $t; $cur->{cmdpid} = $pid }
    } elsif ($ev =~ /sys_enter_unshare/) {
        $cur->{unshare} //= $t;
    } elsif ($ev =~ /sys_enter_pivot_root/) {
        $cur->{pivot} //= $t;
    } elsif ($ev =~ /sys_enter_write/) {
        $wstart{$pid} = $t if defined $cur->{memfd} && !defined $cur->{unshare};
    } elsif ($ev =~ /sys_exit_write/) {
        my $s = delete $wstart{$pid};
        if (defined $s && !defined $cur->{unshare}) {
            my $d = $t - $s;
            $cur->{join} = $d if !defined $cur->{join} || $d > $cur->{join};
        }
    } elsif ($ev =~ /sched_process_exit/) {
        if (defined $cur->{cmdpid} && $pid == $cur->{cmdpid}) { $cur->{cmdexit} //= $t }
        elsif (defined $cur->{rmpid} && $pid == $cur->{rmpid}) { $cur->{rmexit} = $t }
        elsif ($pid == $cur->{root}) { $cur->{end} = $t }
    }
}
flush();
for my $r (@runs) {
    next unless defined $r->{join} && defined $r->{unshare} && defined $r->{memfd};
    $r->{create_rest} = $r->{unshare} - $r->{memfd} - $r->{join};
}
my @phases = (
    ['CLI `berth run`: start (dynamic loader), image, create (db, dirs, files, fsync), overlay mount, config.json', 'start', 'fork'],
    ['CLI: double fork, exec berth-monitor', 'fork', 'mon'],
    ['monitor: sealed memfd copy of itself, re-exec for the runtime part', 'mon', 'memfd'],
    ['runtime create: its pid into the v1 cgroups (`cgroup.procs` write)', undef, 'join'],
    ['runtime create: the rest (state, cgroup dirs, fork)', undef, 'create_rest'],
    ['runtime: namespaces, rootfs mounts, up to pivot_root', 'unshare', 'pivot'],
    ['runtime: pivot_root to exec (devices, masks, seccomp, caps)', 'pivot', 'cmd'],
    ['the container\'s command', 'cmd', 'cmdexit'],
    ['monitor: runtime delete, overlay umount, exec `berth rm`', 'cmdexit', 'rm'],
    ['`berth rm` (for --rm): start, remove dirs and row', 'rm', 'rmexit'],
    ['CLI: after the rm, exit', 'rmexit', 'end'],
    ['**total**', 'start', 'end'],
);
printf "%d runs traced\n\n| phase of `berth run --rm` | median ms | min ms |\n|---|---|---|\n", scalar @runs;
for my $p (@phases) {
    my ($label, $from, $to) = @$p;
    my @d = sort { $a <=> $b }
        map { defined $from ? $_->{$to} - $_->{$from} : $_->{$to} }
        grep { defined $_->{$to} && (!defined $from || defined $_->{$from}) } @runs;
    next unless @d;
    printf "| %s | %.2f | %.2f |\n", $label, $d[int($#d / 2)], $d[0];
}
