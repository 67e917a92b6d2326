//! How to install and use the overlay userscript.

use yew::prelude::*;

pub const USERSCRIPT_PATH: &str = "/userscript/raterhub-tracker.user.js";

#[component(OverlayPage)]
pub fn overlay_page() -> Html {
    let keys = [
        (
            "Ctrl+Q",
            "NEXT",
            "finish the current task and start the next (starts a session if none is running)",
        ),
        (
            "Ctrl+Shift+P",
            "PAUSE / RESUME",
            "pause time that should not count; press again to resume",
        ),
        (
            "Ctrl+Shift+X",
            "EXIT",
            "finish the current task and end the session",
        ),
        ("Ctrl+Shift+Q", "UNDO", "take back the last NEXT or EXIT"),
    ];
    html! {
        <section class="page overlay">
            <h1>{ "The overlay" }</h1>
            <p>{ "The overlay is a small timer box on RaterHub task pages. Every press is sent to this server, which turns it into sessions and questions for this dashboard." }</p>
            <section class="panel">
                <h2>{ "Install" }</h2>
                <ol>
                    <li>{ "Install the Tampermonkey (or Violentmonkey) browser extension." }</li>
                    <li>
                        { "Open " }
                        <a href={USERSCRIPT_PATH} id="install-userscript" class="button">{ "Install the userscript" }</a>
                        { ". The extension shows an install page; confirm it. Updates arrive automatically from this server." }
                    </li>
                    <li>{ "Open a RaterHub task. In the overlay's settings, enter this server's address, your email and password once." }</li>
                </ol>
            </section>
            <section class="panel">
                <h2>{ "Hotkeys" }</h2>
                <p>{ "The defaults follow the original app. They can be changed in the overlay's settings and are ignored while you type in a text field." }</p>
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
