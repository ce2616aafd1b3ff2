# Writes test/retention/fixtures/*.json: for every timeline and policy in timelines.py, what borg prune
# keeps. Run through generate.sh, with borg's own Python (this imports borg).
import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

from borg_runner import BorgRepo, borg_version, iso_utc
from timelines import ALL, HOUR, utc

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def check_borg_and_faketime(workdir):
    """Fail early unless --timestamp is read as UTC and faketime moves the clock borg's keep-within reads."""
    version = borg_version()
    if not version.startswith('1.2.'):
        raise SystemExit(f'the golden files describe borg 1.2.x; found borg {version}')
    repo = BorgRepo(os.path.join(workdir, 'canary'))
    t = utc(2024, 1, 2, 3, 4, 5)
    repo.create('canary-old', t - 3 * HOUR)
    repo.create('canary-new', t - 1 * HOUR)
    stored = repo.list_utc()
    want = {'canary-old': iso_utc(t - 3 * HOUR), 'canary-new': iso_utc(t - HOUR)}
    if stored != want:
        raise SystemExit(f'borg stored --timestamp values {stored}, expected them read as UTC: {want}')
    names = list(want)
    _, at_t = repo.prune({'within': '2H'}, t, 'America/New_York', names)
    _, later = repo.prune({'within': '2H'}, t + 2 * HOUR, 'America/New_York', names)
    if at_t != {'canary-new': 'within #1', 'canary-old': None} or any(later.values()):
        raise SystemExit(f'keep-within 2H does not follow the faked clock: at now {at_t}, two hours later {later}')
    return version


def run_timeline(build, workdir, version):
    timeline = build()
    ids = timeline.ids()
    repo = BorgRepo(os.path.join(workdir, timeline.name))
    for name, t in zip(ids, timeline.times):
        repo.create(name, t)
    stored = repo.list_utc()
    for name, t in zip(ids, timeline.times):
        if stored.get(name) != iso_utc(t):
            raise RuntimeError(f'{name}: borg stored {stored.get(name)}, expected {iso_utc(t)}')
    order = sorted(range(len(ids)), key=lambda i: timeline.times[i])  # stable: ties keep creation order
    snapshots = [{'id': ids[i], 'time': timeline.times[i] * 1000} for i in order]
    fixtures = []
    for case in timeline.cases:
        now = case.now if case.now is not None else timeline.default_now()
        command, reasons = repo.prune(case.policy, now, timeline.time_zone, ids)
        fixtures.append({
            'name': f'{timeline.name}--{case.name}',
            'about': f'{timeline.about}; {case.about}',
            'timeZone': timeline.time_zone,
            'now': now * 1000,
            'policy': case.policy,
            'borgVersion': version,
            'borgCommand': f'TZ={timeline.time_zone} FAKETIME_FMT=%s faketime -f {now} {command}',
            'borgKept': [name for name, reason in reasons.items() if reason],
            'borgReasons': {name: reason for name, reason in reasons.items() if reason},
            'snapshots': snapshots,
        })
    return timeline.name, len(ids), fixtures


def fixture_json(f):
    """Pretty JSON with one snapshot per line, so diffs of regenerated files stay readable."""
    head = {k: v for k, v in f.items() if k != 'snapshots'}
    text = json.dumps(head, indent=2, ensure_ascii=False)[:-2]
    rows = ',\n'.join('    ' + json.dumps(s, separators=(', ', ': ')) for s in f['snapshots'])
    return f'{text},\n  "snapshots": [\n{rows}\n  ]\n}}\n'


def main():
    parser = argparse.ArgumentParser(description="Regenerate the retention golden files from borg prune.")
    parser.add_argument('--out', default=os.path.join(ROOT, 'test', 'retention', 'fixtures'))
    parser.add_argument('--only', help='build only the timelines whose name contains this (keeps other files)')
    parser.add_argument('--jobs', type=int, default=min(4, os.cpu_count() or 1))
    args = parser.parse_args()
    started = time.monotonic()
    builds = [b for b in ALL if not args.only or args.only in b.__name__.replace('_', '-')]
    scratch = '/dev/shm' if os.access('/dev/shm', os.W_OK) else None  # fsync on tmpfs is free
    with tempfile.TemporaryDirectory(prefix='retention-golden-', dir=scratch) as workdir:
        version = check_borg_and_faketime(workdir)
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(run_timeline, builds, [workdir] * len(builds), [version] * len(builds)))
    os.makedirs(args.out, exist_ok=True)
    written = set()
    for name, count, fixtures in results:
        for f in fixtures:
            path = os.path.join(args.out, f['name'] + '.json')
            with open(path, 'w', encoding='utf-8') as out:
                out.write(fixture_json(f))
            written.add(os.path.basename(path))
        print(f'{name}: {count} archives, {len(fixtures)} fixtures')
    if not args.only:
        for stale in sorted(set(os.listdir(args.out)) - written):
            if stale.endswith('.json'):
                os.remove(os.path.join(args.out, stale))
                print(f'removed stale {stale}')
    archives = sum(count for _, count, _ in results)
    print(f'borg {version}: {len(written)} fixtures from {len(results)} timelines ({archives} archives) '
          f'in {time.monotonic() - started:.0f} s')


if __name__ == '__main__':
    main()
