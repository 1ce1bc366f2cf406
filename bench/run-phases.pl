#!/usr/bin/perl
# Where the time of `berth run --rm IMAGE CMD` goes, from `perf script` of
#   perf record -e sched:sched_process_exec,sched:sched_process_fork,
#     sched:sched_process_exit,syscalls:sys_enter_unshare,
#     syscalls:sys_enter_pivot_root -- <a loop of berth run --rm>
# (bench/containers.sh). Each run is the process tree of one exec of
# cmd/berth/berth; its phases are cut at the exec of the monitor, the
# monitor's sealed exec of berth-monitor-helper (through /proc/self/fd), the
# runtime's unshare and pivot_root, the exec and exit of the container's
# command, and the CLI's exit (it records the exit and removes the
# container itself). Prints a markdown table of medians.
use strict;
use warnings;

my (@runs, $cur, %tree);
sub flush {
    push @runs, {%$cur} if $cur && defined $cur->{end};
    $cur = undef;
    %tree = ();
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
        elsif ($rest =~ m{filename=/dev/fd/|filename=/proc/self/fd/|berth-monitor-helper}) { $cur->{helper} //= $t }
        elsif (defined $cur->{pivot} && !defined $cur->{cmd}) { $cur->{cmd} = $t; $cur->{cmdpid} = $pid }
    } elsif ($ev =~ /sys_enter_unshare/) {
        $cur->{unshare} //= $t;
    } elsif ($ev =~ /sys_enter_pivot_root/) {
        $cur->{pivot} //= $t;
    } elsif ($ev =~ /sched_process_exit/) {
        if (defined $cur->{cmdpid} && $pid == $cur->{cmdpid}) { $cur->{cmdexit} //= $t }
        elsif ($pid == $cur->{root}) { $cur->{end} = $t }
    }
}
flush();
my @phases = (
    ['CLI `berth run`: start (dynamic loader), image, create (db, dirs, files), overlay mount, config.json', 'start', 'fork'],
    ['CLI: double fork, exec berth-monitor', 'fork', 'mon'],
    ['monitor: its set-up, the sealed exec of berth-monitor-helper', 'mon', 'helper'],
    ['runtime create: state, cgroup dirs and limits, fork of stage 1', 'helper', 'unshare'],
    ['runtime: cgroups entered, namespaces, rootfs mounts, up to pivot_root', 'unshare', 'pivot'],
    ['runtime: pivot_root to exec (devices, masks, seccomp, caps)', 'pivot', 'cmd'],
    ['the container\'s command', 'cmd', 'cmdexit'],
    ['exit to the CLI; it records the exit, removes the container, exits', 'cmdexit', 'end'],
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
