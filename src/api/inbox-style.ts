/** The inbox's style sheet, served from this origin (`/inbox.css`) like its scripts. */

export const INBOX_CSS = `body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #1b1b1b; }
h1 { font-size: 1.4rem; }
h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
h2 small { color: #666; font-weight: normal; font-size: .8rem; }
form { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin-bottom: .75rem; }
input, textarea, button { font: inherit; }
textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; font-size: 13px; }
.escalation { border: 1px solid #ccc; border-radius: 6px; padding: .75rem 1rem; margin: .75rem 0; }
.escalation.decided { opacity: .7; border-color: #6a6; }
dl { display: grid; grid-template-columns: 8rem 1fr; gap: .15rem .75rem; margin: 0 0 .5rem; }
dt { color: #555; }
dd { margin: 0; }
.actions { display: flex; gap: .5rem; margin-top: .5rem; }
button[data-action="approve"], button.approve { background: #1f7a3a; color: #fff; border: 0; border-radius: 4px; padding: .35rem .9rem; }
button[data-action="deny"], button.deny { background: #a32020; color: #fff; border: 0; border-radius: 4px; padding: .35rem .9rem; }
button:disabled { opacity: .5; }
#message { color: #a32020; }
.outcome { font-weight: 600; }
pre.json { background: #f5f5f5; padding: .5rem; overflow: auto; }
:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.group { border: 1px solid #99a; border-radius: 6px; padding: .6rem 1rem; margin: .6rem 0; }
.group.selected { border: 2px solid #1a5fb4; background: #f1f6fd; }
.group h3 { font-size: 1rem; margin: 0 0 .4rem; }
.group .count { float: right; font-weight: 700; }
.group details { margin-top: .5rem; }
.group details label { display: inline-block; margin: .25rem .75rem .25rem 0; }
#selection-panel { border: 1px solid #ccc; border-radius: 6px; padding: .5rem 1rem; background: #fafafa; }
#selection-panel h2, #groups-view h2, #escalations-title { font-size: 1.15rem; }
#bulk-progress progress, .batch-progress progress { width: 12rem; vertical-align: middle; }
dialog { border: 1px solid #666; border-radius: 8px; max-width: 32rem; }
dialog::backdrop { background: rgba(0, 0, 0, .35); }
header { display: flex; align-items: baseline; gap: 1.5rem; }
header nav a { font-weight: 600; }
.table-scroll { overflow-x: auto; margin: .25rem 0 .75rem; }
table { border-collapse: collapse; }
caption { text-align: left; color: #555; padding: .25rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: .2rem .6rem; text-align: left; vertical-align: top; }
td .hits-day, td .hits-week, td [data-cell] { font-variant-numeric: tabular-nums; }
.error { color: #a32020; }
.note { color: #555; font-size: .9rem; }
`;
