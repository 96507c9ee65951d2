/** The report's own stylesheet (uPlot's comes from its package). */
export const REPORT_CSS = `
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; --card:#fff;
  --pass:#15803d; --pass-bg:#dcfce7; --fail:#b91c1c; --fail-bg:#fee2e2; --warn:#b45309; --warn-bg:#fef3c7; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
header { background:#0f172a; color:#f8fafc; padding:24px 32px; }
header h1 { margin:0 0 4px; font-size:22px; font-weight:600; }
header .sub { color:#cbd5e1; overflow-wrap:anywhere; }
main { max-width:1200px; margin:0 auto; padding:24px 32px 48px; }
.banner { border-radius:10px; padding:16px 20px; margin-bottom:20px; font-size:16px; font-weight:600; border:1px solid; }
.banner small { display:block; font-weight:400; font-size:13px; margin-top:4px; }
.banner.pass { background:var(--pass-bg); color:var(--pass); border-color:#86efac; }
.banner.fail { background:var(--fail-bg); color:var(--fail); border-color:#fca5a5; }
.banner.none { background:#e0f2fe; color:#075985; border-color:#7dd3fc; }
.banner.warn { background:var(--warn-bg); color:var(--warn); border-color:#fcd34d; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(160px,1fr)); gap:12px; margin-bottom:24px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 16px; }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.card .value { font-size:24px; font-weight:650; margin-top:2px; font-variant-numeric:tabular-nums; }
.card .hint { color:var(--muted); font-size:12px; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 20px; margin-bottom:20px; }
section h2 { margin:0 0 4px; font-size:16px; }
section h3 { margin:12px 0 4px; font-size:13px; color:var(--muted); font-weight:600; }
section p.why { margin:0 0 12px; color:var(--muted); font-size:13px; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:20px; }
@media (max-width: 900px) { .grid2 { grid-template-columns:1fr; } }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
td.num, th.num { text-align:right; }
td.text { overflow-wrap:anywhere; }
.tag { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; }
.tag.pass { background:var(--pass-bg); color:var(--pass); }
.tag.fail { background:var(--fail-bg); color:var(--fail); }
code { font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace; background:#f1f5f9; padding:1px 5px; border-radius:4px; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:12px; }
.empty { color:var(--muted); font-style:italic; }
`;
