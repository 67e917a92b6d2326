//! How to install and use the overlay userscript.

use yew::prelude::*;

pub const USERSCRIPT_PATH: &str = "/userscript/raterhub-tracker.user.js";

#[component(OverlayPage)]
pub fn overlay_page() -> Html {
    let keys = [
        ("Ctrl+Q", "NEXT", "finish the current task and start the next (starts a session if none is running)"),
        ("Ctrl+Shift+P", "PAUSE / RESUME", "pause time that should not count; press again to resume"),
        ("Ctrl+Shift+X", "EXIT", "finish the current task and end the session"),
        ("Ctrl+Shift+Z", "UNDO", "take back the last NEXT or EXIT"),
    ];
    let running = use_userscript_version();
    html! {
        <section class="page overlay">
            <h1>{ "The overlay" }</h1>
            <p>{ "The overlay is a small timer box on RaterHub task pages. Every press is sent to this server, which turns it into sessions and questions for this dashboard." }</p>
            <section class="panel">
                <h2>{ "Install" }</h2>
                { status(running.as_deref()) }
                <ol>
                    <li>{ "Install a userscript manager: Tampermonkey or Violentmonkey (Chrome, Edge or Firefox)." }</li>
                    <li>{ "Chrome or Edge 138 and later: open chrome://extensions (edge://extensions), click Details under the manager and turn on \"Allow User Scripts\". On older versions turn on Developer mode at the top right instead. Without this the manager installs scripts but never runs them. Firefox needs no switch." }</li>
                    <li>
                        { "Open " }
                        <a href={USERSCRIPT_PATH} id="install-userscript" class="button">{ "Install the userscript" }</a>
                        { ". The manager shows an install page; confirm it. It updates the script from this server by itself (use its \"Check for updates\" to update now); sign-in, settings and queued presses are kept." }
                    </li>
                    <li>{ "Open a RaterHub task. In the overlay's settings, enter this server's address, your email and password once." }</li>
                </ol>
                <p>{ "To uninstall, delete the script in the manager, then revoke its device token in Settings." }</p>
            </section>
            <section class="panel">
                <h2>{ "Hotkeys" }</h2>
                <p>{ "The defaults follow the original app, except where a browser keeps a key for itself: Ctrl+Shift+Q quits Firefox on Windows and older Chrome, so UNDO is Ctrl+Shift+Z; Firefox keeps Ctrl+Shift+P (PAUSE is Alt+Shift+P there) and, on Linux, Ctrl+Q (NEXT is Alt+Q there). Any key can be changed in the overlay's settings; keys are ignored while you type in a text field." }</p>
                <div class="table-wrap">
                    <table class="hotkeys">
                        <thead><tr><th scope="col">{ "Keys" }</th><th scope="col">{ "Button" }</th><th scope="col">{ "What it does" }</th></tr></thead>
                        <tbody>
                            { for keys.iter().map(|(k, b, what)| html! {
                                <tr><td><kbd>{ *k }</kbd></td><th scope="row">{ *b }</th><td>{ *what }</td></tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
            <section class="panel">
                <h2>{ "What it stores and sends" }</h2>
                <ul>
                    <li>{ "In the extension's storage: the server address, a revocable device token (never your password), the queue of presses not yet delivered, and the overlay's position and preferences." }</li>
                    <li>{ "To this server: the kind of press, its time, and, only if task detection is on, the task id and the estimated task time. Never page content or URLs." }</li>
                    <li>{ "Device tokens are listed in Settings, where you can revoke them." }</li>
                </ul>
            </section>
        </section>
    }
}

/// The overlay's version when it runs in this browser: the userscript also matches this page
/// and marks `<html data-rht-userscript="…">`. Looked for during the first few seconds.
#[hook]
fn use_userscript_version() -> Option<String> {
    let found = use_state(|| None::<String>);
    {
        let found = found.clone();
        use_effect_with((), move |_| {
            let read = || web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()).and_then(|e| e.get_attribute("data-rht-userscript"));
            let mut tries = 0;
            let interval = gloo_timers::callback::Interval::new(250, move || {
                tries += 1;
                if tries <= 16
                    && let Some(version) = read()
                {
                    found.set(Some(version));
                }
            });
            move || drop(interval)
        });
    }
    (*found).clone()
}

fn status(running: Option<&str>) -> Html {
    match running {
        Some(version) => html! {
            <p class="notice ok" id="userscript-status">{ format!("The overlay is installed and running in this browser (version {version}).") }</p>
        },
        None => html! {
            <div class="notice" id="userscript-status">
                <p>{ "The overlay is not running in this browser. If you installed it:" }</p>
                <ul>
                    <li>{ "on Chrome or Edge, turn on \"Allow User Scripts\" (step 2);" }</li>
                    <li>{ "make sure the manager is enabled and RaterHub Tracker is switched on in its dashboard;" }</li>
                    <li>{ "allow the manager on this site and on raterhub.com (extensions menu);" }</li>
                    <li>{ "then reload this page." }</li>
                </ul>
            </div>
        },
    }
}
