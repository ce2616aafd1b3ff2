# The catalogue of retention golden cases: deterministic snapshot timelines (seeded, so every run builds
# the same ones) and, for each, the policies and "now"s borg is asked about.
#
# Only Random.random() is used: Python promises its sequence for a given seed across versions, not
# randint's or choice's.
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

MIN = 60
HOUR = 3600
DAY = 86400

# The seed's default for scheduled snapshots, and the same with hourly snapshots taken.
GFS = {'daily': 7, 'weekly': 4, 'monthly': 12}
GFS_HOURLY = {'hourly': 24, 'daily': 7, 'weekly': 4, 'monthly': 12}


@dataclass
class Case:
    name: str
    policy: dict
    about: str
    now: int | None = None  # epoch seconds; None: the timeline's default


@dataclass
class Timeline:
    name: str
    time_zone: str
    about: str
    times: list  # epoch seconds of each snapshot, oldest first
    cases: list
    now_after_last: int = HOUR  # the default "now": this long after the newest snapshot
    names: list = field(default_factory=list)  # archive names; default <timeline>-<index>

    def ids(self):
        return self.names or [f'{self.name}-{i:04d}' for i in range(len(self.times))]

    def default_now(self):
        return max(self.times) + self.now_after_last


def at(tz, y, mo, d, h=0, mi=0, s=0):
    """Epoch seconds of a wall-clock time in a zone (the earlier one when the hour repeats)."""
    return int(datetime(y, mo, d, h, mi, s, tzinfo=ZoneInfo(tz)).timestamp())


def utc(y, mo, d, h=0, mi=0, s=0):
    return at('UTC', y, mo, d, h, mi, s)


def local_days(tz, start, days, h, mi):
    """Epoch seconds of h:mi local time on `days` consecutive local dates from `start` (y, m, d)."""
    first = datetime(*start)
    out = []
    for i in range(days):
        d = first + timedelta(days=i)
        out.append(at(tz, d.year, d.month, d.day, h, mi))
    return out


class Rng:
    def __init__(self, seed):
        self._r = random.Random(seed)

    def uniform(self, a, b):
        return a + (b - a) * self._r.random()

    def int(self, a, b):
        """An integer in [a, b]."""
        return a + int(self._r.random() * (b - a + 1))

    def chance(self, p):
        return self._r.random() < p


def jittered(times, rng, lo, hi):
    return [t + rng.int(lo, hi) for t in times]


def distinct(times):
    times = sorted(times)
    for a, b in zip(times, times[1:]):
        assert a != b, f'two snapshots at {a}: borg and the engine would order them by name'
    return times


def daily_utc():
    rng = Rng(101)
    start = utc(2023, 9, 1, 2, 0)
    times = jittered([start + i * DAY for i in range(500)], rng, 0, 20 * MIN)
    return Timeline('daily-utc', 'UTC', 'daily at 02:00-02:20 UTC for 500 days', distinct(times), [
        Case('gfs-default', GFS, 'the seed default: 7 daily, 4 weekly, 12 monthly'),
        Case('gfs-yearly-too-few', {'daily': 7, 'weekly': 4, 'monthly': 6, 'yearly': 5},
             'three calendar years for five yearly keeps: the oldest snapshot is kept too'),
        Case('daily-30', {'daily': 30}, '30 daily'),
        Case('weekly-monthly-overlap', {'weekly': 8, 'monthly': 3},
             'the newest month\'s snapshot is already kept by weekly: monthly skips that month, not counting it'),
        Case('within-1m-last-3', {'within': '1m', 'last': 3}, 'within one month (31 days) plus the 3 newest older'),
    ], now_after_last=3 * HOUR)


def hourly_utc():
    rng = Rng(102)
    start = utc(2024, 2, 20, 0, 15)
    times = jittered([start + i * HOUR for i in range(288)], rng, 0, 90)
    return Timeline('hourly-utc', 'UTC', 'hourly at :15 for 12 days across the end of February 2024 (leap year)',
                    distinct(times), [
        Case('hourly-24', {'hourly': 24}, '24 hourly'),
        Case('hourly-24-daily-7', {'hourly': 24, 'daily': 7}, 'daily skips the days hourly already keeps the newest of'),
        Case('last-10', {'last': 10}, 'keep-last alone'),
        Case('too-few-months', {'hourly': 48, 'daily': 3, 'weekly': 2, 'monthly': 6},
             'two months of history for six monthly keeps: the oldest is kept'),
        Case('within-12H-hourly-6-daily-3', {'within': '12H', 'hourly': 6, 'daily': 3},
             'hourly counts only hours older than the 12 within keeps'),
    ], now_after_last=20 * MIN)


def irregular_utc():
    rng = Rng(103)
    t = utc(2022, 5, 3, 9, 12, 7)
    times = []
    for _ in range(350):
        times.append(t)
        r = rng.uniform(0, 1)
        if r < 0.5:
            t += rng.int(5 * MIN, 6 * HOUR)
        elif r < 0.85:
            t += rng.int(6 * HOUR, 3 * DAY)
        else:
            t += rng.int(3 * DAY, 25 * DAY)
    return Timeline('irregular-utc', 'UTC', 'random gaps from minutes to 25 days over about two and a half years',
                    distinct(times), [
        Case('gfs-yearly-3', {'daily': 7, 'weekly': 4, 'monthly': 12, 'yearly': 3}, 'daily, weekly, monthly and yearly'),
        Case('daily-14-weekly-8', {'daily': 14, 'weekly': 8}, 'gaps leave days and weeks without snapshots'),
        Case('on-demand', {'within': '30d', 'last': 3}, 'the on-demand default, ten days after the newest'),
        Case('last-5', {'last': 5}, 'keep-last alone'),
        Case('everything-yearly-10', {'hourly': 24, 'daily': 7, 'weekly': 4, 'monthly': 12, 'yearly': 10},
             'all rules; too few years for yearly 10, so the oldest is kept'),
        Case('within-1y-monthly-6', {'within': '1y', 'monthly': 6}, 'within one year (365 days), then 6 older months'),
    ], now_after_last=10 * DAY)


def london_dst():
    rng = Rng(104)
    spring = [utc(2024, 3, 29, 20) + i * 30 * MIN for i in range(144)]
    autumn = [utc(2024, 10, 25, 20) + i * 30 * MIN for i in range(144)]
    times = jittered(spring + autumn, rng, 0, 120)
    return Timeline('london-dst', 'Europe/London',
                    'half-hourly for three days around each 2024 clock change (31 Mar skips 01:00, 27 Oct repeats it)',
                    distinct(times), [
        Case('hourly-48', {'hourly': 48}, 'the repeated local hour 01:00 is one bucket'),
        Case('hourly-120', {'hourly': 120}, 'hourly across both changes, including the skipped hour'),
        Case('daily-10', {'daily': 10}, 'local dates, not UTC dates'),
        Case('hourly-30-daily-5-weekly-3', {'hourly': 30, 'daily': 5, 'weekly': 3}, 'rules mixed across a clock change'),
    ])


def london_late_evening():
    rng = Rng(105)
    times = jittered([utc(2024, 1, 1, 23, 30) + i * DAY for i in range(366)], rng, -20 * MIN, 20 * MIN)
    return Timeline('london-late-evening', 'Europe/London',
                    'daily at 23:10-23:50 UTC through 2024: in summer that is after midnight local time, so one local '
                    'date in spring has no snapshot and one in autumn has two',
                    distinct(times), [
        Case('gfs-default', GFS, 'the seed default on local dates'),
        Case('weekly-60', {'weekly': 60}, 'more weekly keeps than ISO weeks: the oldest is kept'),
        Case('monthly-13', {'monthly': 13}, 'twelve local months for thirteen keeps: the oldest is kept'),
    ], now_after_last=6 * HOUR)


def new_york_dst():
    rng = Rng(106)
    tz = 'America/New_York'
    spring = [at(tz, 2024, 3, 9, 20) + i * 15 * MIN for i in range(116)]
    autumn = [at(tz, 2024, 11, 2, 20) + i * 15 * MIN for i in range(124)]
    times = jittered(spring + autumn, rng, 0, 60)
    return Timeline('new-york-dst', tz,
                    'every 15 minutes for a day and a half around each 2024 clock change (10 Mar, 3 Nov)',
                    distinct(times), [
        Case('hourly-72', {'hourly': 72}, 'local hours: 02:00 does not exist on 10 Mar, 01:00 happens twice on 3 Nov'),
        Case('hourly-30-daily-3', {'hourly': 30, 'daily': 3}, 'evening snapshots fall on the next UTC date'),
        Case('daily-5', {'daily': 5}, 'local dates'),
    ], now_after_last=30 * MIN)


def new_york_evening():
    rng = Rng(107)
    tz = 'America/New_York'
    times = jittered(local_days(tz, (2024, 1, 1), 366, 23, 40), rng, -15 * MIN, 15 * MIN)
    return Timeline('new-york-evening', tz,
                    'daily at 23:25-23:55 New York time through 2024: the next day in UTC, across both clock changes',
                    distinct(times), [
        Case('gfs-default', GFS, 'the seed default on local dates'),
        Case('monthly-12-yearly-2', {'monthly': 12, 'yearly': 2},
             'yearly finds 2024 taken by monthly and no other year: keeps the oldest'),
    ], now_after_last=2 * HOUR)


def iso_week_53_utc():
    rng = Rng(108)
    times = jittered([utc(2020, 11, 25, 12) + i * DAY for i in range(78)], rng, -30 * MIN, 30 * MIN)
    times += [utc(2020, 12, 31, 23, 59, 30), utc(2021, 1, 1, 0, 0, 30), utc(2021, 1, 3, 23, 59, 59), utc(2021, 1, 4, 0, 0, 1)]
    return Timeline('iso-week-53-utc', 'UTC',
                    'daily across New Year 2021; 28 Dec 2020 to 3 Jan 2021 is ISO week 2020-W53',
                    distinct(times), [
        Case('weekly-10', {'weekly': 10}, 'week 2020-W53 spans the year boundary'),
        Case('yearly-3', {'yearly': 3}, 'two years for three keeps: the oldest is kept'),
        Case('monthly-3', {'monthly': 3}, 'monthly across the year boundary'),
        Case('daily-5-weekly-4', {'daily': 5, 'weekly': 4}, 'daily and weekly'),
    ], now_after_last=2 * HOUR)


def iso_week_53_auckland():
    rng = Rng(109)
    times = jittered([utc(2026, 12, 1, 11, 30) + i * DAY for i in range(62)], rng, -10 * MIN, 10 * MIN)
    return Timeline('iso-week-53-auckland', 'Pacific/Auckland',
                    'daily at 11:30 UTC = 00:30 next day in Auckland (UTC+13) across New Year 2027; 2026 has ISO week 53',
                    distinct(times), [
        Case('weekly-8', {'weekly': 8}, 'local ISO weeks, including 2026-W53'),
        Case('yearly-2-monthly-1', {'monthly': 1, 'yearly': 2}, 'the local year, a day ahead of UTC'),
        Case('daily-3-weekly-5', {'daily': 3, 'weekly': 5}, 'local dates and weeks'),
    ], now_after_last=HOUR)


def iso_week_53_los_angeles():
    rng = Rng(110)
    times = jittered([utc(2015, 12, 10, 7, 30) + i * DAY for i in range(42)], rng, -10 * MIN, 10 * MIN)
    return Timeline('iso-week-53-los-angeles', 'America/Los_Angeles',
                    'daily at 07:30 UTC = 23:30 the day before in Los Angeles, across New Year 2016; 2015 has ISO week 53',
                    distinct(times), [
        Case('weekly-6', {'weekly': 6}, 'local ISO weeks, including 2015-W53'),
        Case('yearly-2', {'yearly': 2}, 'the local year, a day behind UTC'),
    ], now_after_last=HOUR)


def several_per_day_berlin():
    rng = Rng(111)
    tz = 'Europe/Berlin'
    times = []
    for day_start in local_days(tz, (2025, 2, 15), 70, 0, 0):
        for _ in range(rng.int(3, 7)):
            times.append(day_start + rng.int(0, DAY - 1))
    return Timeline('several-per-day-berlin', tz,
                    '3 to 7 snapshots a day at random times for 70 days, across the 30 Mar 2025 clock change',
                    distinct(times), [
        Case('daily-10', {'daily': 10}, 'the newest of each local day'),
        Case('hourly-12-daily-7', {'hourly': 12, 'daily': 7}, 'hourly then daily'),
        Case('last-5-daily-7-weekly-4', {'last': 5, 'daily': 7, 'weekly': 4}, 'last, then daily and weekly'),
        Case('within-3d-daily-7', {'within': '3d', 'daily': 7}, 'within three days, then 7 older days'),
    ], now_after_last=5 * HOUR)


def app_shop():
    rng = Rng(112)
    times = [t for t in jittered([utc(2024, 4, 1) + i * 6 * HOUR for i in range(360)], rng, 0, 10 * MIN)
             if not rng.chance(0.1)]
    return Timeline('app-shop', 'UTC', 'an app backed up every 6 hours for 90 days, about one run in ten missing',
                    distinct(times), [
        Case('hourly-24-daily-7-weekly-4-monthly-3', {'hourly': 24, 'daily': 7, 'weekly': 4, 'monthly': 3},
             'hourly keeps reach back 6 days when snapshots are 6 hours apart'),
        Case('gfs-hourly-default', GFS_HOURLY, 'the seed default when hourly snapshots are taken'),
    ], now_after_last=2 * HOUR)


def app_blog():
    rng = Rng(113)
    tz = 'Europe/London'
    t = at(tz, 2022, 6, 1, 3)
    times = []
    for _ in range(350):
        times.append(t + rng.int(-30 * MIN, 30 * MIN))
        t += rng.int(1, 5) * DAY
    return Timeline('app-blog', tz, 'an app backed up at about 03:00 London time every 1 to 5 days for 2.4 years',
                    distinct(times), [
        Case('gfs-yearly-5', {'daily': 7, 'weekly': 4, 'monthly': 12, 'yearly': 5}, 'the seed default plus yearly 5'),
        Case('gfs-default', GFS, 'the seed default with gaps between days'),
    ], now_after_last=DAY)


def app_wiki():
    rng = Rng(114)
    tz = 'America/New_York'
    sundays = local_days(tz, (2019, 1, 6), 7 * 312, 23, 30)[::7]
    times = jittered(sundays, rng, -30 * MIN, 45 * MIN)
    return Timeline('app-wiki', tz,
                    'an app backed up weekly on Sunday at about 23:30 New York time for six years; '
                    'some runs slip past midnight into the next ISO week',
                    distinct(times), [
        Case('yearly-10', {'yearly': 10}, 'seven years of history for ten keeps: the oldest is kept'),
        Case('monthly-24-weekly-4', {'weekly': 4, 'monthly': 24}, 'weekly then monthly'),
        Case('gfs-default', GFS, 'the seed default on weekly snapshots: daily keeps reach back 7 weeks'),
    ], now_after_last=3 * DAY)


def young_history():
    rng = Rng(115)
    times = jittered([utc(2025, 1, 6, 9) + i * HOUR for i in range(30)], rng, 0, 5 * MIN)
    return Timeline('young-history', 'UTC', 'hourly for 30 hours: a repository younger than the policy',
                    distinct(times), [
        Case('gfs-default', GFS, 'daily finds two days for seven keeps: the oldest is kept as well'),
        Case('last-50', {'last': 50}, 'more keeps than snapshots: all kept'),
        Case('yearly-2', {'yearly': 2}, 'one year for two keeps: the newest and the oldest'),
    ])


def within_boundary():
    times = [utc(2024, 6, 1) + i * HOUR for i in range(97)]
    now = utc(2024, 6, 5, 6)
    for edge in (48 * HOUR, 7 * DAY, 31 * DAY, 365 * DAY):
        times += [now - edge, now - edge + 1] if edge != 48 * HOUR else [now - edge + 1]  # 48 h ago is on the hour
    return Timeline('within-boundary', 'UTC',
                    'hourly on the hour, plus snapshots exactly at and one second inside the keep-within edges '
                    '(48 hours, 7 days, 31 days, 365 days)',
                    distinct(times), [
        Case('within-2d', {'within': '2d'}, 'a snapshot exactly 48 hours old is not within 2d; one second younger is', now=now),
        Case('within-48H-last-1', {'within': '48H', 'last': 1}, 'last keeps the snapshot exactly at the edge', now=now),
        Case('within-1w', {'within': '1w'}, 'exactly 7 days old is out, one second younger is in', now=now),
        Case('within-1m', {'within': '1m'}, 'a month is 31 days: exactly 31 days old is out', now=now),
        Case('within-1y-last-1', {'within': '1y', 'last': 1}, 'a year is 365 days: exactly 365 days old is out, kept by last', now=now),
        Case('within-12H-all-stale', {'within': '12H'},
             'nothing is younger than 12 hours: borg keeps nothing (strongbox still keeps the newest)',
             now=utc(2024, 6, 5, 13)),
    ])


def same_second():
    """Snapshots sharing a timestamp, created out of name order: which of them borg treats as newest."""
    names, times = [], []
    for day in range(6):
        t = utc(2024, 8, 1, 10) + day * DAY + (day % 3) * 7 * HOUR
        for tag in ('b', 'a', 'c'):
            names.append(f'same-second-d{day}{tag}')
            times.append(t)
    return Timeline('same-second', 'UTC', 'six groups of three snapshots with identical timestamps',
                    times, [
        Case('last-4', {'last': 4}, 'one keep per distinct second'),
        Case('daily-3', {'daily': 3}, 'the newest of a day when several share its latest second'),
    ], names=names)


ALL = [
    daily_utc, hourly_utc, irregular_utc, london_dst, london_late_evening, new_york_dst, new_york_evening,
    iso_week_53_utc, iso_week_53_auckland, iso_week_53_los_angeles, several_per_day_berlin, app_shop, app_blog,
    app_wiki, young_history, within_boundary, same_second,
]
