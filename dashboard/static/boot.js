// Starts the wasm app. An external module (not inline) so the server's CSP can forbid inline scripts.
//
// The first API calls leave while the wasm downloads: who is signed in, then (on `/`) the day's
// figures in the user's zone. Each goes in `window.rhtPrefetch` with its body; when the app
// sends the very same body it takes the answer waiting there instead of asking again (once).
// Tests in dashboard/src/gql.rs check these bodies against what the app sends; a body that
// came out different would only cost the head start.
const ME = "{\"query\":\"query Me {\\n  me { ...UserFields }\\n}\\n\\nfragment UserFields on User {\\n  id\\n  email\\n  timezone\\n  targetSeconds\\n  idleTimeoutMinutes\\n  weeklyGoalHours\\n  weekStartsOn\\n  role\\n}\\n\",\"operationName\":\"Me\",\"variables\":null}";
const TODAY = "query Today($date: Date!, $weekStart: Date!) {\n  day(date: $date) {\n    date\n    timezone\n    sessionCount\n    questionCount\n    activeSeconds\n    averageSeconds\n    targetSeconds\n    pace { ratio score label emoji }\n    bankedSeconds\n    creditedSeconds\n    earnings { amount currency }\n    capSeconds\n    remainingSeconds\n    hours { hour questionCount activeSeconds }\n    sessions {\n      id\n      startedAt\n      endedAt\n      isActive\n      isPaused\n      questionCount\n      activeSeconds\n      averageSeconds\n      targetSeconds\n      pace { ratio score label emoji }\n      current { index startedAt pausedSeconds isPaused pausedAt targetSeconds }\n    }\n  }\n  week(start: $weekStart) {\n    start\n    end\n    activeSeconds\n    goalSeconds\n    creditedSeconds\n    capSeconds\n    remainingSeconds\n  }\n}\n";
const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

const prefetch = (window.rhtPrefetch = []);
const post = (body) => fetch('/graphql', { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body });
const keep = (body, response) => {
  response.catch(() => {}); // the app meets a failed fetch where it would have met its own
  prefetch.push({ body, response });
};

/** The calendar day of `date` in `zone`: as YYYY-MM-DD, and as its midnight UTC in ms. */
function localDay(date, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(date).map((p) => [p.type, p.value]));
  const utc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
  return { utc, iso: new Date(utc).toISOString().slice(0, 10) };
}

/** On `/`, asks for TodayPage's figures: today in the user's zone and the start of its week
 *  (as dates::week_start counts it). */
async function askToday(response) {
  const user = (await response.clone().json())?.data?.me;
  const startsOn = WEEKDAYS.indexOf(user?.weekStartsOn);
  if (location.pathname !== '/' || !user || startsOn < 0) return;
  const today = localDay(new Date(), user.timezone);
  const fromMonday = (new Date(today.utc).getUTCDay() + 6) % 7;
  const weekStart = new Date(today.utc - ((fromMonday + 7 - startsOn) % 7) * 86400000).toISOString().slice(0, 10);
  const body = JSON.stringify({ query: TODAY, operationName: 'Today', variables: { date: today.iso, weekStart } });
  keep(body, post(body));
}

// The app gets the answer to Me only once Today's request (if any) is on its way and listed,
// so that TodayPage always finds it there.
keep(ME, post(ME).then((response) => askToday(response).catch(() => {}).then(() => response)));

// Imported after the requests above have left (a static import would wait for the glue first).
import('/dashboard.js')
  .then(({ default: init }) => init({ module_or_path: '/dashboard_bg.wasm' }))
  .catch((e) => {
    const app = document.getElementById('app');
    if (app) {
      app.innerHTML = '<p class="boot" role="alert">The dashboard failed to start. Reload the page to try again.</p>';
    }
    console.error(e);
  });
