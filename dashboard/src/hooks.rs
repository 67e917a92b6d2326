//! Data hooks: run a GraphQL query when its variables (or the live tick) change.

use crate::time::Instant;
use std::cell::RefCell;
use std::rc::Rc;

use graphql_client::GraphQLQuery;
use yew::prelude::*;

use crate::gql::{self, ApiError};
use crate::state::{Action, AppContext, Auth};

#[derive(PartialEq)]
pub enum Load<T: ?Sized> {
    Loading,
    Ready(Rc<T>),
    Failed(ApiError),
}

impl<T: ?Sized> Clone for Load<T> {
    fn clone(&self) -> Self {
        match self {
            Load::Loading => Load::Loading,
            Load::Ready(d) => Load::Ready(d.clone()),
            Load::Failed(e) => Load::Failed(e.clone()),
        }
    }
}

/// The app's shared state and dispatcher, provided by the shell around every page.
#[hook]
pub fn use_app() -> AppContext {
    use_context::<AppContext>().expect("AppContext is provided by the app shell")
}

/// Handles an error from any request: an expired session sends the app back to sign-in
/// (the current URL stays, so the page comes back after signing in).
pub fn report(ctx: &AppContext, err: &ApiError) {
    if err.is_unauthenticated() {
        ctx.dispatch(Action::SignedOut { expired: true });
    }
}

/// An operation's variables or answer, once its type is out of sight: the hooks below run on
/// these, so that their code is compiled once rather than once per operation (issue #16, size).
/// Not `dyn Any`: each type behind a `dyn Any` brings its 16-byte `TypeId` (random bytes that
/// don't compress) and a `type_id` function into the wasm, and the hooks never need to ask.
type AnyRc = Rc<dyn Erased>;

/// Any type at all, as a trait object with nothing but its size and drop (see [`AnyRc`]).
trait Erased {}
impl<T: ?Sized> Erased for T {}

/// Reads an answer into `T`, boxed: the one piece of a query's reading compiled per type.
fn decode_any<T: for<'de> serde::Deserialize<'de> + 'static>(text: &str) -> Result<AnyRc, ApiError> {
    gql::decode::<T>(text).map(|d| Rc::new(d) as AnyRc)
}

/// An [`AnyRc`] back to the type it was made from. Each value is made and read for one
/// operation `Q` by the hooks below (`decode_any::<Q::ResponseData>` and `typed::<Q::ResponseData>`,
/// `Rc::new(vars)` and `typed::<Q::Variables>`), never handed anywhere else.
///
/// # Safety
/// `any` must have been made by `Rc::new` of a `T`.
unsafe fn typed<T: 'static>(any: AnyRc) -> Rc<T> {
    // SAFETY: the caller promises `any` holds a `T`; dropping the trait object's metadata
    // gives back that `Rc<T>`'s pointer, which `from_raw` takes back.
    unsafe { Rc::from_raw(Rc::into_raw(any).cast::<T>()) }
}

/// Fetches `Q` with `vars`; refetches when `vars` change, when `reload` is emitted, and (if
/// `live`) on each activity notification. Data already shown stays on screen during a refetch.
#[hook]
pub fn use_query<Q>(vars: Q::Variables, live: bool) -> (Load<Q::ResponseData>, Callback<()>)
where
    Q: GraphQLQuery + 'static,
    Q::ResponseData: for<'de> serde::Deserialize<'de> + 'static,
{
    // The request body stands for the variables: equal bodies, equal variables.
    let (load, reload) = use_query_any(gql::request_body::<Q>(vars), decode_any::<Q::ResponseData>, live);
    let load = match load {
        Load::Loading => Load::Loading,
        // SAFETY: this hook's fetch stored a `Q::ResponseData` (`decode_any`).
        Load::Ready(d) => Load::Ready(unsafe { typed(d) }),
        Load::Failed(e) => Load::Failed(e),
    };
    (load, reload)
}

#[hook]
fn use_query_any(body: Result<String, ApiError>, decode: fn(&str) -> Result<AnyRc, ApiError>, live: bool) -> (Load<dyn Erased>, Callback<()>) {
    let ctx = use_app();
    let state = use_state(|| Load::<dyn Erased>::Loading);
    let reload = use_state(|| 0u32);
    let generation = use_mut_ref(|| 0u64);
    let last_body: Rc<RefCell<Option<Result<String, ApiError>>>> = use_mut_ref(|| None);
    let tick = if live { ctx.live_tick } else { 0 };
    {
        let state = state.clone();
        let ctx = ctx.clone();
        use_effect_with((body, tick, *reload), move |(body, _, _)| {
            let changed = last_body.borrow().as_ref() != Some(body);
            if changed {
                *last_body.borrow_mut() = Some(body.clone());
                state.set(Load::Loading);
            }
            *generation.borrow_mut() += 1;
            let mine = *generation.borrow();
            gql::send_then(
                body.clone(),
                Box::new(move |text| {
                    if *generation.borrow() != mine {
                        return; // a newer request is on its way
                    }
                    match text.and_then(|text| decode(&text)) {
                        Ok(data) => state.set(Load::Ready(data)),
                        Err(e) => {
                            report(&ctx, &e);
                            state.set(Load::Failed(e));
                        }
                    }
                }),
            );
        });
    }
    let reload_cb = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(reload.wrapping_add(1)))
    };
    ((*state).clone(), reload_cb)
}

/// A mutation's progress, owned by `use_mutation`: pages read `running` and `error` and call
/// `run`; none of them spawns a request of its own.
pub struct Mutation<Q: GraphQLQuery> {
    pub running: bool,
    /// The last failure; cleared when the mutation runs again.
    pub error: Option<ApiError>,
    /// The variables last sent (a row's busy state, or what `retry` sends again).
    pub last: Option<Rc<Q::Variables>>,
    /// Sends the mutation with these variables.
    pub run: Callback<Q::Variables>,
    /// Sends the last variables again (nothing when nothing was sent yet).
    pub retry: Callback<()>,
    /// Forgets the last failure (a form that fails its own checks shows those instead).
    pub clear: Callback<()>,
}

/// What a mutation was sent with and what it answered.
pub type Answer<Q> = (Rc<<Q as GraphQLQuery>::Variables>, Rc<<Q as GraphQLQuery>::ResponseData>);

/// Runs mutation `Q` on demand. `on_done` gets the variables and the answer; a failure is kept
/// in `error`, and an expired sign-in sends the app back to sign-in (see `report`).
#[hook]
pub fn use_mutation<Q>(on_done: Callback<Answer<Q>>) -> Mutation<Q>
where
    Q: GraphQLQuery + 'static,
    Q::Variables: Clone + 'static,
    Q::ResponseData: for<'de> serde::Deserialize<'de> + 'static,
{
    use_mutation_with::<Q>(on_done, Callback::noop())
}

/// [`use_mutation`], and `on_error` also gets each failure with its variables (to place it
/// next to a form field, say).
#[hook]
pub fn use_mutation_with<Q>(on_done: Callback<Answer<Q>>, on_error: Callback<(Rc<Q::Variables>, ApiError)>) -> Mutation<Q>
where
    Q: GraphQLQuery + 'static,
    Q::Variables: Clone + 'static,
    Q::ResponseData: for<'de> serde::Deserialize<'de> + 'static,
{
    // SAFETY: this hook's run made `vars` from a `Q::Variables` and `data` with
    // `decode_any::<Q::ResponseData>`.
    let on_done = Callback::from(move |(vars, data): (AnyRc, AnyRc)| on_done.emit(unsafe { (typed(vars), typed(data)) }));
    let on_error = Callback::from(move |(vars, e): (AnyRc, ApiError)| on_error.emit((unsafe { typed(vars) }, e)));
    let m = use_mutation_any(decode_any::<Q::ResponseData>, on_done, on_error);
    let send = m.send.clone();
    Mutation {
        running: m.running,
        error: m.error,
        // SAFETY: `last` holds the variables of this hook's last run, a `Q::Variables`.
        last: m.last.map(|vars| unsafe { typed(vars) }),
        run: Callback::from(move |vars: Q::Variables| {
            let body = gql::request_body::<Q>(vars.clone());
            send.emit((Rc::new(vars) as AnyRc, body))
        }),
        retry: m.retry,
        clear: m.clear,
    }
}

/// [`Mutation`] with its types out of sight (see [`AnyRc`]).
struct AnyMutation {
    running: bool,
    error: Option<ApiError>,
    last: Option<AnyRc>,
    /// Sends a request body; the variables come along for `on_done`, `on_error` and `retry`.
    send: Callback<(AnyRc, Result<String, ApiError>)>,
    retry: Callback<()>,
    clear: Callback<()>,
}

#[hook]
fn use_mutation_any(decode: fn(&str) -> Result<AnyRc, ApiError>, on_done: Callback<(AnyRc, AnyRc)>, on_error: Callback<(AnyRc, ApiError)>) -> AnyMutation {
    let ctx = use_app();
    let running = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let last = use_state(|| None::<(AnyRc, Result<String, ApiError>)>);
    // The latest callbacks, so that an answer arriving after a re-render reaches the current ones.
    let handlers = use_mut_ref(|| (on_done.clone(), on_error.clone()));
    *handlers.borrow_mut() = (on_done, on_error);
    let send = {
        let (running, error, last) = (running.clone(), error.clone(), last.clone());
        Callback::from(move |(vars, body): (AnyRc, Result<String, ApiError>)| {
            running.set(true);
            error.set(None);
            last.set(Some((vars.clone(), body.clone())));
            let (running, error, ctx, handlers) = (running.clone(), error.clone(), ctx.clone(), handlers.clone());
            gql::send_then(
                body,
                Box::new(move |text| {
                    running.set(false);
                    let (on_done, on_error) = handlers.borrow().clone();
                    match text.and_then(|text| decode(&text)) {
                        Ok(data) => on_done.emit((vars, data)),
                        Err(e) => {
                            report(&ctx, &e);
                            error.set(Some(e.clone()));
                            on_error.emit((vars, e));
                        }
                    }
                }),
            );
        })
    };
    let retry = {
        let (last, send) = ((*last).clone(), send.clone());
        Callback::from(move |_| {
            if let Some(again) = &last {
                send.emit(again.clone());
            }
        })
    };
    let clear = {
        let error = error.clone();
        Callback::from(move |_| error.set(None))
    };
    AnyMutation { running: *running, error: (*error).clone(), last: (*last).as_ref().map(|(v, _)| v.clone()), send, retry, clear }
}

/// Asks the server who is signed in, once, when the app starts (the shell calls it).
#[hook]
pub fn use_session_check() {
    let ctx = use_app();
    let asked = {
        let (done, failed) = (ctx.clone(), ctx.clone());
        use_mutation_with::<gql::Me>(
            Callback::from(move |(_, d): Answer<gql::Me>| match &d.me {
                Some(u) => done.dispatch(Action::SignedIn(crate::user_from!(u))),
                None => done.dispatch(Action::SignedOut { expired: false }),
            }),
            Callback::from(move |_| failed.dispatch(Action::SignedOut { expired: false })),
        )
    };
    let checking = ctx.auth == Auth::Checking;
    use_effect_with((), move |_| {
        if checking {
            asked.run.emit(gql::me::Variables);
        }
    });
}

/// Whether the window is wide enough for the wide chart layout (updates on resize).
#[hook]
pub fn use_wide() -> bool {
    let wide = use_state(is_wide);
    {
        let wide = wide.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo_events::EventListener::new(&w, "resize", move |_| {
                    let now = is_wide();
                    if now != *wide {
                        wide.set(now);
                    }
                })
            });
            move || drop(listener)
        });
    }
    *wide
}

fn is_wide() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).is_some_and(|v| v >= 720.0)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        false
    }
}

/// The current time, refreshed every second while `running` (for live timers).
#[hook]
pub fn use_now(running: bool) -> Instant {
    let now = use_state(crate::tz::now);
    {
        let now = now.clone();
        use_effect_with(running, move |running| {
            let interval = running.then(|| gloo_timers::callback::Interval::new(1000, move || now.set(crate::tz::now())));
            move || drop(interval)
        });
    }
    *now
}
