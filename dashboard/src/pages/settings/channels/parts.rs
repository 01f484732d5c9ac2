//! What every kind of channel's section shows alike: its list (reloaded whenever anyone changes
//! the channels), a disconnect behind a confirm, a webhook secret shown once, and "send a test".

use std::future::Future;
use std::pin::Pin;

use leptos::html::{Input, H3};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::channels::{EmailChannelView, SmsChannelView, VoiceChannelView};
use shared::dashboard::SettingsArea;

use super::super::tokens::CopyBlock;
use super::super::SettingsEvents;
use crate::api::ApiError;
use crate::components::form::{value_of, Submission};

/// A connected channel, known by its id.
pub(super) trait Channel: Clone + Send + Sync + 'static {
    fn id(&self) -> &str;
}

impl Channel for SmsChannelView {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Channel for EmailChannelView {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Channel for VoiceChannelView {
    fn id(&self) -> &str {
        &self.id
    }
}

/// One kind of channel as its section shows it.
pub(super) struct Listing<T: Channel> {
    pub list: RwSignal<Option<Result<Vec<T>, ApiError>>>,
    /// Why the last disconnect failed.
    pub error: RwSignal<Option<ApiError>>,
    /// The channel whose disconnect awaits confirmation: here, so a reload keeps it.
    pub confirming: RwSignal<Option<String>>,
    /// Disconnects the channel of this id.
    pub disconnect: Callback<String>,
    pub reload: Callback<()>,
    /// Takes the focus once a disconnected channel's card (and its buttons) is gone.
    heading: NodeRef<H3>,
}

impl<T: Channel> Clone for Listing<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Channel> Copy for Listing<T> {}

impl<T: Channel> Listing<T> {
    /// Loads the list with `fetch` now and on every change to the channels; disconnects with
    /// `remove`.
    pub fn new<F, R>(fetch: fn() -> F, remove: fn(String) -> R) -> Self
    where
        F: Future<Output = Result<Vec<T>, ApiError>> + 'static,
        R: Future<Output = Result<(), ApiError>> + 'static,
    {
        let events = expect_context::<SettingsEvents>();
        let list = RwSignal::new(None);
        let reload = Callback::new(move |()| {
            let request = fetch();
            spawn_local(async move {
                let result = request.await;
                if !list.is_disposed() {
                    list.set(Some(result));
                }
            });
        });
        Effect::new(move |_| {
            events.version(SettingsArea::Channels);
            reload.run(());
        });
        let error = RwSignal::new(None::<ApiError>);
        let confirming = RwSignal::new(None::<String>);
        let heading = NodeRef::<H3>::new();
        let disconnect = Callback::new(move |id: String| {
            let request = remove(id.clone());
            spawn_local(async move {
                let result = request.await;
                if list.is_disposed() {
                    return;
                }
                confirming.set(None);
                match result {
                    Ok(()) => {
                        error.set(None);
                        list.update(|l| {
                            if let Some(Ok(l)) = l {
                                l.retain(|c| c.id() != id);
                            }
                        });
                        if let Some(h) = heading.get_untracked() {
                            let _ = h.focus();
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
                reload.run(());
            });
        });
        Self {
            list,
            error,
            confirming,
            disconnect,
            reload,
            heading,
        }
    }

    /// The heading, a failed disconnect's error, and the list: loading, its error, `empty` (with
    /// the test id `empty_testid`) when there is none, or one `card` each.
    pub fn view(
        self,
        title: &'static str,
        title_id: &'static str,
        empty: &'static str,
        empty_testid: &'static str,
        card: fn(T, Self) -> AnyView,
    ) -> impl IntoView {
        view! {
            <h3 id=title_id tabindex="-1" node_ref=self.heading>{title}</h3>
            {move || self.error.get().map(|e| view! {
                <p class="error" role="alert" data-testid="channel-error">{e.message()}</p>
            })}
            {move || match self.list.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Some(Ok(l)) if l.is_empty() => view! {
                    <p class="empty" data-testid=empty_testid>{empty}</p>
                }
                .into_any(),
                Some(Ok(l)) => view! {
                    <ul class="channel-list" aria-labelledby=title_id>
                        {l.into_iter().map(|c| card(c, self)).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        }
    }
}

/// "Disconnect", then a confirm saying what stops.
#[component]
pub(super) fn Disconnect(
    /// The channel's id.
    id: String,
    /// The channel whose disconnect awaits confirmation.
    confirming: RwSignal<Option<String>>,
    /// Disconnects the channel of this id.
    disconnect: Callback<String>,
    /// The first button's test id.
    testid: &'static str,
    /// What disconnecting stops, in a sentence or two.
    consequence: &'static str,
) -> impl IntoView {
    let id = StoredValue::new(id);
    let is_confirming = move || confirming.with(|c| c.as_deref() == Some(id.get_value().as_str()));
    view! {
        <div class="form-actions">
            <Show when=is_confirming fallback=move || view! {
                <button type="button" class="secondary" data-testid=testid
                    on:click=move |_| confirming.set(Some(id.get_value()))>"Disconnect"</button>
            }>
                <span class="confirm" role="group" aria-label="Confirm disconnecting">
                    {consequence}" "
                    <button type="button" class="danger" data-testid="confirm-disconnect"
                        on:click=move |_| disconnect.run(id.get_value())>"Disconnect"</button>
                    <button type="button" class="secondary" data-testid="cancel-disconnect"
                        on:click=move |_| confirming.set(None)>"Cancel"</button>
                </span>
            </Show>
        </div>
    }
}

/// A channel's webhook secret right after it was connected: the only time it is shown.
#[component]
pub(super) fn OnceSecret(
    /// The channel connected (its address or number).
    name: String,
    secret: String,
    /// Where the secret goes, in a sentence.
    usage: &'static str,
    /// Test ids: `{testid}` for the box, `{testid}-value`, `copy-{testid}`, `{testid}-done`.
    testid: &'static str,
    /// Hides it.
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="issued" role="status" data-testid=testid>
            <p class="saved">{name}" is connected."</p>
            <p class="warning">
                <strong>"Copy the webhook secret now: it won't be shown again. "</strong>
                {usage}
                " If it is lost, disconnect and connect again for a new one."
            </p>
            <CopyBlock code=secret testid=format!("{testid}-value") copy_testid=format!("copy-{testid}")/>
            <button type="button" class="link" data-testid=format!("{testid}-done")
                on:click=move |_| on_close.run(())>"Done"</button>
        </div>
    }
}

/// What a test did: a sentence, and a page to look at.
pub(super) struct Tested {
    pub text: String,
    pub link: Option<String>,
}

/// A test on its way.
pub(super) type Testing = Pin<Box<dyn Future<Output = Result<Tested, ApiError>>>>;

/// Sends a test to what was typed.
pub(super) type SendTest = Callback<String, Testing>;

/// `test` as a [`Testing`].
pub(super) fn testing(test: impl Future<Output = Result<Tested, ApiError>> + 'static) -> Testing {
    Box::pin(test)
}

/// "Send a test": one input and a button; the error under the input, or what happened.
#[component]
pub(super) fn TestForm(
    /// The input's id, unique on the page.
    input_id: String,
    /// Test ids: `{testid}-form`, `-to`, `-send`, `-error`, `-sent`.
    testid: &'static str,
    label: &'static str,
    /// The input's `type`.
    kind: &'static str,
    placeholder: &'static str,
    /// The button's words.
    button: &'static str,
    send: SendTest,
) -> impl IntoView {
    let form = Submission::new();
    let input = NodeRef::<Input>::new();
    let done = RwSignal::new(None::<Tested>);
    let error_id = format!("{input_id}-error");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(None);
        form.send(send.run(value_of(input).trim().to_owned()), move |t| {
            done.set(Some(t));
        });
    };
    let described = {
        let error_id = error_id.clone();
        move || form.error.with(Option::is_some).then(|| error_id.clone())
    };
    view! {
        <form class="form-row" novalidate on:submit=submit data-testid=format!("{testid}-form")>
            <label for=input_id.clone()>{label}</label>
            <div class="form-row--inline">
                <input id=input_id type=kind name="to" node_ref=input autocomplete="off"
                    placeholder=placeholder data-testid=format!("{testid}-to")
                    aria-invalid=move || form.error.with(Option::is_some).then_some("true")
                    aria-describedby=described/>
                <button type="submit" data-testid=format!("{testid}-send") disabled=move || form.busy.get()>
                    {form.label(button, "Sending…")}
                </button>
            </div>
            {move || form.error.get().map(|e| view! {
                <p class="field-error" role="alert" id=error_id.clone()
                    data-testid=format!("{testid}-error")>{e.message()}</p>
            })}
            {move || done.with(|d| d.as_ref().map(|t| view! {
                <p class="saved" role="status" data-testid=format!("{testid}-sent")>
                    {t.text.clone()}
                    {t.link.clone().map(|href| view! { " "<a href=href rel="external">"Open the conversation"</a> })}
                </p>
            }))}
        </form>
    }
}
