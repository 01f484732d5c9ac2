//! `/settings/teammates`: the members (role, deactivate / reactivate, a password-reset link),
//! the invite form (its link shown to copy, as no email is sent yet) and pending invitations.
//! Reloads when anyone changes teammates.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::{Role, SettingsArea};
use shared::workspace::{Member, PendingInvitation, TeammatesPage as Page};

use super::{when, SettingsEvents};
use crate::api::{workspace, ApiError};
use crate::app::Session;
use crate::components::form::{value_of, Field, Submission};

/// A link the admin copies and passes on: an invitation or a password reset.
#[derive(Clone, PartialEq)]
struct ShownLink {
    what: String,
    link: String,
    expires_at: i64,
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner",
        Role::Admin => "Admin",
        Role::Agent => "Agent",
        Role::Viewer => "Viewer",
    }
}

/// The roles this user may hand out: owners any, admins all but owner.
fn assignable(me_role: Option<Role>) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Owner || me_role == Some(Role::Owner))
        .collect()
}

#[component]
pub fn TeammatesPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let events = expect_context::<SettingsEvents>();
    let page = RwSignal::new(None::<Page>);
    let load_error = RwSignal::new(None::<ApiError>);
    let action_error = RwSignal::new(None::<ApiError>);
    let shown = RwSignal::new(None::<ShownLink>);
    let me = move || session.me();
    let my_role = move || me().map(|m| m.role);

    let reload = move || {
        spawn_local(async move {
            let result = workspace::teammates().await;
            if page.is_disposed() {
                return;
            }
            match result {
                Ok(p) => {
                    load_error.set(None);
                    page.set(Some(p));
                }
                Err(e) => load_error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        events.version(SettingsArea::Teammates);
        reload();
    });

    // Each change answers the new state; the settings event reloads the page anyway.
    let act =
        move |work: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApiError>>>>| {
            spawn_local(async move {
                let result = work.await;
                if page.is_disposed() {
                    return;
                }
                match result {
                    Ok(()) => {
                        action_error.set(None);
                        reload();
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        };

    let member_row = move |member: Member| {
        let id = StoredValue::new(member.id.clone());
        let is_me = me().is_some_and(|m| m.user_id == member.id);
        // Only owners touch owners; nobody changes their own role.
        let locked = is_me || (member.role == Role::Owner && my_role() != Some(Role::Owner));
        let role = member.role;
        let on_role = move |ev: leptos::ev::Event| {
            let Some(new) = Role::parse(&event_target_value(&ev)) else {
                return;
            };
            if new == role {
                return;
            }
            act(Box::pin(async move {
                workspace::change_role(&id.get_value(), new).await.map(drop)
            }));
        };
        let active = member.active;
        let toggle = move |_| {
            act(Box::pin(async move {
                workspace::set_active(&id.get_value(), !active)
                    .await
                    .map(drop)
            }));
        };
        let name = member.name.clone();
        let reset = move |_| {
            let what = format!("Password reset link for {name}");
            spawn_local(async move {
                match workspace::password_reset_link(&id.get_value()).await {
                    Ok(issued) => {
                        action_error.set(None);
                        shown.set(Some(ShownLink {
                            what,
                            link: issued.link,
                            expires_at: issued.expires_at,
                        }));
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        };
        let options = if locked {
            vec![role]
        } else {
            assignable(my_role())
        };
        view! {
            <tr data-testid="member" data-email=member.email.clone()
                class:inactive=!member.active>
                <td>{member.name.clone()}{is_me.then_some(" (you)")}</td>
                <td>{member.email.clone()}</td>
                <td>
                    <select data-testid="member-role" aria-label="Role" disabled=locked
                        on:change=on_role>
                        {options.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == role>{role_label(r)}</option>
                        }).collect_view()}
                    </select>
                </td>
                <td>{if member.active { "Active" } else { "Deactivated" }}</td>
                <td>{member.last_sign_in_at.map_or_else(|| "Never".to_owned(), when)}</td>
                <td class="actions">
                    <button type="button" class="secondary" disabled=locked
                        data-testid=if active { "member-deactivate" } else { "member-reactivate" }
                        on:click=toggle>
                        {if active { "Deactivate" } else { "Reactivate" }}
                    </button>
                    <button type="button" class="secondary" disabled=locked || !active
                        data-testid="member-reset" on:click=reset>
                        "Reset password"
                    </button>
                </td>
            </tr>
        }
    };

    // The view macro moves each attribute's value: the email is used twice, cloned once.
    #[allow(clippy::redundant_clone)]
    let invitation_row = move |invitation: PendingInvitation| {
        let id = StoredValue::new(invitation.id.clone());
        let revoke = move |_| {
            act(Box::pin(async move {
                workspace::revoke_invitation(&id.get_value()).await
            }));
        };
        view! {
            <li data-testid="pending-invitation" data-email=invitation.email.clone()>
                <span>{invitation.email.clone()}</span>
                " · " {role_label(invitation.role)}
                " · expires " {when(invitation.expires_at)}
                <button type="button" class="secondary" data-testid="invitation-revoke"
                    on:click=revoke>"Revoke"</button>
            </li>
        }
    };

    view! {
        <section class="settings-section" aria-labelledby="teammates-title">
            <h2 id="teammates-title">"Teammates"</h2>
            {move || load_error.get().map(|e| view! { <p class="error" role="alert">{e.message()}</p> })}
            {move || action_error.get().map(|e| view! {
                <p class="error" role="alert" data-testid="teammates-error">{e.message()}</p>
            })}
            <InviteForm shown=shown on_invited=Callback::new(move |()| reload())/>
            {move || shown.get().map(|s| view! { <LinkBox shown=s on_close=Callback::new(move |()| shown.set(None))/> })}
            <h3>"Members"</h3>
            <table class="teammates" data-testid="members">
                <thead>
                    <tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                        <th scope="col">"Status"</th><th scope="col">"Last sign-in"</th><th scope="col"></th></tr>
                </thead>
                <tbody>
                    {move || page.get().map(|p| p.members.into_iter().map(member_row).collect_view())}
                </tbody>
            </table>
            <h3>"Pending invitations"</h3>
            <ul class="invitations" data-testid="pending-invitations">
                {move || page.get().map(|p| p.invitations.into_iter().map(invitation_row).collect_view())}
            </ul>
            {move || page.with(|p| p.as_ref().is_some_and(|p| p.invitations.is_empty()))
                .then(|| view! { <p class="empty">"No pending invitations."</p> })}
        </section>
    }
}

/// Invite by email with a role; the link appears in the [`LinkBox`].
#[component]
fn InviteForm(
    /// Where the new invitation's link is shown.
    shown: RwSignal<Option<ShownLink>>,
    /// Called after an invitation was made.
    on_invited: Callback<()>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let email = NodeRef::<Input>::new();
    let role = RwSignal::new(Role::Agent);
    let form = Submission::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let address = value_of(email);
        let chosen = role.get_untracked();
        form.send(
            async move { workspace::invite(address.trim(), chosen).await },
            move |issued| {
                if let Some(input) = email.get_untracked() {
                    input.set_value("");
                }
                shown.set(Some(ShownLink {
                    what: format!("Invitation for {}", issued.email),
                    link: issued.link,
                    expires_at: issued.expires_at,
                }));
                on_invited.run(());
            },
        );
    };
    view! {
        <form class="invite" novalidate on:submit=submit data-testid="invite-form">
            <h3>"Invite a teammate"</h3>
            <Field form field="email" id="invite-email" label="Email" node_ref=email kind="email"
                autocomplete="off" testid="invite-email"/>
            <label for="invite-role">"Role"</label>
            <select id="invite-role" data-testid="invite-role"
                on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }>
                {move || assignable(session.me().map(|m| m.role)).into_iter().map(|r| view! {
                    <option value=r.as_str() selected=move || role.get() == r>{role_label(r)}</option>
                }).collect_view()}
            </select>
            {form.field_error("role")}
            {form.form_error(&["email", "role"])}
            <button type="submit" class="primary" disabled=move || form.busy.get() data-testid="invite-submit">
                {form.label("Invite", "Inviting…")}
            </button>
        </form>
    }
}

/// A link shown once, with a copy button.
#[component]
fn LinkBox(
    /// The link and what it is for.
    shown: ShownLink,
    /// Hides the box.
    on_close: Callback<()>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let link = shown.link.clone();
    let copy = move |_| copied.set(super::tokens::copy_to_clipboard(&link));
    view! {
        <div class="link-box" role="status" data-testid="shown-link">
            <p>{shown.what.clone()} " (valid until " {when(shown.expires_at)} "). Copy it and send it; it is shown only now."</p>
            <input readonly prop:value=shown.link data-testid="shown-link-value"
                on:focus=move |ev| { event_target::<web_sys::HtmlInputElement>(&ev).select(); }/>
            <button type="button" class="secondary" data-testid="copy-link" on:click=copy>
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
            <button type="button" class="link" on:click=move |_| on_close.run(())>"Done"</button>
        </div>
    }
}
