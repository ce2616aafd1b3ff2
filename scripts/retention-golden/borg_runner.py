# Drives borg 1.2 for the retention golden files: a repository of empty archives with given timestamps,
# and `borg prune --dry-run --list` run under faketime, in a time zone, to learn what borg would keep.
#
# Archives are made by borg's own command-line entry point run in this process (as borg's test suite
# does), because a fresh `borg` process per archive costs ~0.3 s; prune runs as a real `borg` process,
# since faketime works by LD_PRELOAD.
import os
import re
import subprocess
import sys
import time

from borg.archiver import Archiver

BORG_ENV = {
    'BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK': 'yes',
    'BORG_RELOCATED_REPO_ACCESS_IS_OK': 'yes',
    'BORG_SELFTEST': 'disabled',  # borg runs its self-test on every invocation otherwise: 80 ms each
}

# Policy keys (strongbox's names) to borg prune options, in borg's order.
BORG_OPTION = {
    'within': '--keep-within', 'last': '--keep-last', 'hourly': '--keep-hourly', 'daily': '--keep-daily',
    'weekly': '--keep-weekly', 'monthly': '--keep-monthly', 'yearly': '--keep-yearly',
}

KEEP_LINE = re.compile(r'^Keeping archive \(rule: (?P<rule>[a-z]+(?:\[oldest\])?) #(?P<n>\d+)\):\s+(?P<name>\S+)\s')
PRUNE_LINE = re.compile(r'^Would prune:\s+(?P<name>\S+)\s')


def borg_version():
    out = subprocess.run(['borg', '--version'], check=True, capture_output=True, text=True).stdout
    return out.split()[1]


def iso_utc(epoch_s):
    """borg's --timestamp takes UTC ('Z' or +00:00 only; no other offsets, no fractions)."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch_s))


def prune_args(policy):
    args = []
    for key, option in BORG_OPTION.items():
        if key in policy:
            args += [option, str(policy[key])]
    unknown = set(policy) - set(BORG_OPTION)
    if unknown:
        raise ValueError(f'borg has no rule for {sorted(unknown)}')
    return args


class BorgRepo:
    """An unencrypted borg repository in `workdir`, with its own BORG_BASE_DIR (cache, security, config)."""

    def __init__(self, workdir):
        self.path = os.path.join(workdir, 'repo')
        self.env = dict(BORG_ENV, BORG_BASE_DIR=os.path.join(workdir, 'base'), BORG_REPO=self.path)
        self.empty = os.path.join(workdir, 'empty')
        os.makedirs(self.empty)
        self._borg('init', '--encryption', 'none')

    def _borg(self, *argv):
        os.environ.update(self.env)
        archiver = Archiver()
        code = archiver.run(archiver.get_args(['borg', *argv], None))
        if code != 0:
            raise RuntimeError(f'borg {" ".join(argv)} exited {code}')

    def create(self, name, epoch_s):
        self._borg('create', '--timestamp', iso_utc(epoch_s), f'::{name}', self.empty)

    def list_utc(self):
        """{name: ISO time} as borg stored them, read back with TZ=UTC."""
        env = dict(os.environ, **self.env, TZ='UTC')
        out = subprocess.run(['borg', 'list', '--format', '{archive} {time:%Y-%m-%dT%H:%M:%SZ}{NL}'],
                             env=env, check=True, capture_output=True, text=True).stdout
        return dict(line.split(' ', 1) for line in out.splitlines() if line)

    def prune(self, policy, now_s, time_zone, names):
        """What `borg prune --dry-run --list` keeps at `now_s` (frozen by faketime) in `time_zone`:
        {name: reason ("daily #3", "weekly[oldest] #2", "within #1") or None when it would prune}."""
        env = dict(os.environ, **self.env, TZ=time_zone, FAKETIME_FMT='%s')
        fake = ['faketime', '-f', str(now_s)]
        # The clock as borg's prune_within reads it, in borg's Python (the one running this script).
        clock = 'import datetime; print(int(datetime.datetime.now(datetime.timezone.utc).timestamp()))'
        probe = subprocess.run([*fake, sys.executable, '-c', clock],
                               env=env, check=True, capture_output=True, text=True).stdout.strip()
        if int(probe) != now_s:
            raise RuntimeError(f'faketime did not set the clock: asked for {now_s}, borg\'s Python saw {probe}')
        cmd = ['borg', 'prune', '--dry-run', '--list', *prune_args(policy)]
        run = subprocess.run([*fake, *cmd], env=env, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f'{" ".join(cmd)} exited {run.returncode}: {run.stderr}')
        result = {}
        for line in run.stderr.splitlines():
            keep, drop = KEEP_LINE.match(line), PRUNE_LINE.match(line)
            if keep:
                result[keep['name']] = f'{keep["rule"]} #{keep["n"]}'
            elif drop:
                result[drop['name']] = None
            elif line.strip():
                raise RuntimeError(f'unexpected line from borg prune: {line!r}')
        if set(result) != set(names) or len(result) != len(names):
            raise RuntimeError(f'borg prune listed {len(result)} archives, the repository has {len(names)}')
        return ' '.join(cmd), result

