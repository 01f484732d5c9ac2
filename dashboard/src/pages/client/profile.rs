//! What agents write about a client: company, tags (typed comma-separated) and notes, checked
//! with `ClientProfile::parse` before sending, the server's 422 beside the field it names.
//! Viewers see the same form, read-only. A reload never overwrites what an agent is typing.

use leptos::html::{Input, Textarea};
use leptos::prelude::*;
use shared::dashboard::ClientProfile;

use super::ClientView;
use crate::api::{self, ApiError};
use crate::client_record::{tags_from_input, tags_to_input};
use crate::components::form::{error_id, value_of, Field, Submission};

const FIELDS: &[&str] = &["company", "tags", "notes"];

#[component]
pub(super) fn ProfileSection(
    /// The page's state.
    view: ClientView,
) -> impl IntoView {
    let form = Submission::new();
    let company = NodeRef::<Input>::new();
    let tags = NodeRef::<Input>::new();
    let notes = NodeRef::<Textarea>::new();
    // The agent typed since the form was filled: a reload leaves the inputs alone.
    let edited = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let can_act = view.session.can_act();

    // Filled from every record that arrives, unless the agent is typing or saving.
    Effect::new(move |_| {
        view.with(|r| {
            if edited.get_untracked() || form.busy.get_untracked() {
                return;
            }
            let p = &r.profile;
            if let Some(i) = company.get() {
                i.set_value(&p.company);
            }
            if let Some(i) = tags.get() {
                i.set_value(&tags_to_input(&p.tags));
            }
            if let Some(t) = notes.get() {
                t.set_value(&p.notes);
            }
        });
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(id) = view.id.get_untracked() else {
            return;
        };
        saved.set(false);
        let typed = ClientProfile {
            company: value_of(company),
            notes: notes.get_untracked().map(|t| t.value()).unwrap_or_default(),
            tags: tags_from_input(&value_of(tags)),
        };
        let profile = match typed.parse() {
            Ok(p) => p,
            Err(e) => {
                form.error.set(Some(ApiError::from(e)));
                return;
            }
        };
        form.send(
            async move { api::save_client_profile(&id, &profile).await },
            move |record| {
                edited.set(false);
                saved.set(true);
                view.take(record);
            },
        );
    };
    let typed = move |_| {
        edited.set(true);
        saved.set(false);
    };
    let notes_invalid = move || {
        form.error
            .with(|e| e.as_ref().is_some_and(|e| e.field() == Some("notes")))
    };

    view! {
        <section class="client-section" aria-labelledby="profile-title" data-testid="profile">
            <h2 id="profile-title">"Profile"</h2>
            <form class="form" novalidate on:submit=submit on:input=typed data-testid="profile-form">
                // Viewers may read the profile, not change it.
                <fieldset class="plain" disabled=!can_act>
                    <div class="form-row">
                        <Field form field="company" id="client-company" label="Company"
                            node_ref=company optional=true autocomplete="off"
                            testid="profile-company"/>
                    </div>
                    <div class="form-row">
                        <Field form field="tags" id="client-tags" label="Tags" node_ref=tags
                            optional=true autocomplete="off" testid="profile-tags"
                            hint="Separated by commas, e.g. vip, wholesale."/>
                    </div>
                    <div class="form-row">
                        <label for="client-notes">"Notes"</label>
                        <textarea id="client-notes" name="notes" rows="5" node_ref=notes
                            data-testid="profile-notes"
                            aria-invalid=move || notes_invalid().then_some("true")
                            aria-describedby=move || notes_invalid().then(|| error_id("notes"))></textarea>
                        {form.field_error("notes")}
                    </div>
                </fieldset>
                {form.form_error(FIELDS)}
                {can_act.then(|| view! {
                    <div class="form-actions">
                        <button type="submit" class="primary" data-testid="profile-save"
                            disabled=move || form.busy.get()>
                            {form.label("Save profile", "Saving…")}
                        </button>
                        {move || saved.get().then(|| view! {
                            <span class="saved" role="status" data-testid="profile-saved">"Saved."</span>
                        })}
                    </div>
                })}
            </form>
        </section>
    }
}
