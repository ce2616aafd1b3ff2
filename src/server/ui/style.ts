// The dashboard's one style sheet (served as /assets/style.css): system fonts, a light and a dark scheme,
// visible focus rings, traffic lights that also say their state in words, tables that scroll on narrow screens.
export const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1d2330; --muted: #5b6475; --card: #fff; --line: #d9dde5;
  --accent: #1f5fbf; --ok: #1a7f37; --warn: #b26b00; --bad: #c62828; --idle: #6b7280; --focus: #ffbf47; }
@media (prefers-color-scheme: dark) { :root { --bg: #12151b; --fg: #e6e9ef; --muted: #9aa3b2; --card: #1b2029;
  --line: #2d3440; --accent: #6ea8ff; --ok: #3fb950; --warn: #e3a341; --bad: #f26b6b; --idle: #8b93a1; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg);
  color: var(--fg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1.2rem;
  background: var(--card); border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; color: var(--fg); }
header.top nav { display: flex; gap: 1rem; flex: 1; }
header.top nav a[aria-current="page"] { font-weight: 700; text-decoration: none; }
header.top .who { color: var(--muted); display: flex; gap: .6rem; align-items: center; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
main.narrow { max-width: 26rem; }
h1 { font-size: 1.5rem; margin: .6rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
section.card > h2:first-child { margin-top: 0; }
section.card, .cards > article { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: .9rem 1rem; margin-bottom: 1rem; }
.cards > article { margin-bottom: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 1rem; }
.cards h2 { margin: 0 0 .4rem; font-size: 1.1rem; }
.muted { color: var(--muted); }
.error { color: var(--bad); font-weight: 600; }
button, .button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button:disabled { opacity: .5; cursor: not-allowed; }
.button.small, button.small { padding: .2rem .55rem; font-size: .85rem; }
label { font-weight: 600; display: block; margin: .5rem 0 .2rem; }
input[type=text], input[type=password], select, textarea { font: inherit; padding: .4rem .5rem; width: 100%;
  border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: .6rem 0; }
fieldset label { display: inline; font-weight: normal; margin-right: 1rem; }
.row { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: flex-end; }
.row > div { flex: 1 1 12rem; }
.row > div.grow { flex: 3 1 18rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.lights { list-style: none; padding: 0; margin: .3rem 0; display: flex; flex-wrap: wrap; gap: .3rem .9rem; }
.light { display: inline-flex; align-items: center; gap: .35rem; }
.light::before { content: ""; width: .8rem; height: .8rem; border-radius: 50%; background: var(--idle); }
.light.ok::before { background: var(--ok); }
.light.overdue::before, .light.incomplete::before { background: var(--warn); }
.light.missing::before, .light.failed::before, .light.bad::before { background: var(--bad); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; border: 1px solid var(--line); }
.badge.ok { color: var(--ok); border-color: var(--ok); }
.badge.failed, .badge.cancelled, .badge.bad { color: var(--bad); border-color: var(--bad); }
.badge.running { color: var(--warn); border-color: var(--warn); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
progress { width: 100%; height: 1.1rem; }
ol.events { padding-left: 1.2rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
.chart { min-height: 240px; }
dialog { border: 1px solid var(--line); border-radius: 8px; background: var(--card); color: var(--fg);
  max-width: 34rem; width: calc(100% - 2rem); }
dialog::backdrop { background: rgb(0 0 0 / .45); }
.actions { display: flex; flex-wrap: wrap; gap: .35rem; }
code { font-size: .9em; }
@media (max-width: 640px) { header.top nav { order: 3; flex-basis: 100%; } th.opt, td.opt { display: none; }
  table.stack thead { display: none; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table.stack td, table.stack td.opt { display: flex; gap: .6rem; border: none; padding: .15rem .6rem; text-align: left; }
  table.stack td::before { content: attr(data-label); color: var(--muted); min-width: 5.5rem; font-size: .85rem; } }
`;
