//! `/settings/usage` (owners and admins): the billing cycle, the plan, what the workspace used
//! so far and where that leads by the cycle's end, a chart of conversations per day by channel
//! (inline SVG, each channel with its own pattern, and the same numbers in a table beside it),
//! and the per-day table as a CSV download. The words and the geometry are `crate::usage_chart`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::usage::{AtLimit, Plan, UsageReport};

use crate::api::usage::{self as api, USAGE_CSV};
use crate::api::ApiError;
use crate::usage_chart::{chart, count, cycle_range, money, short_date, Series};

#[component]
pub fn UsagePage() -> impl IntoView {
    let report = RwSignal::new(None::<UsageReport>);
    let error = RwSignal::new(None::<ApiError>);
    let loading = RwSignal::new(false);
    let load = move || {
        loading.set(true);
        spawn_local(async move {
            let result = api::usage().await;
            if loading.is_disposed() {
                return;
            }
            loading.set(false);
            match result {
                Ok(r) => {
                    error.set(None);
                    report.set(Some(r));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load();

    view! {
        <section class="settings-section usage" aria-labelledby="usage-title">
            <h2 id="usage-title">"Usage"</h2>
            <p class="hint">"What this workspace used in the current billing cycle, and where that leads by its end."</p>
            {move || error.get().map(|e| view! { <LoadError error=e/> })}
            {move || report.get().map(|r| view! { <Report report=r/> })}
            {move || (loading.get() && report.with(Option::is_none))
                .then(|| view! { <p class="loading">"Loading…"</p> })}
            <div class="form-actions">
                <a class="button secondary" href=USAGE_CSV download="" rel="external" data-testid="usage-csv">
                    "Download CSV"
                </a>
                <button type="button" class="secondary" disabled=move || loading.get()
                    on:click=move |_| load() data-testid="usage-refresh">"Refresh"</button>
            </div>
        </section>
    }
}

/// A 403 says who may see this page; anything else says what went wrong.
#[component]
fn LoadError(error: ApiError) -> impl IntoView {
    let forbidden = matches!(error, ApiError::Status { status: 403, .. });
    let message = if forbidden {
        "Only an owner or an admin of this workspace can see its usage.".to_owned()
    } else {
        error.message()
    };
    view! { <p class="error" role="alert" data-testid=if forbidden { "usage-forbidden" } else { "usage-error" }>{message}</p> }
}

#[component]
fn Report(report: UsageReport) -> impl IntoView {
    let cycle = format!(
        "{} · day {} of {}",
        cycle_range(&report.cycle_start, &report.cycle_end),
        report.days_used,
        report.days_total
    );
    let plan = report.plan.clone();
    view! {
        <p class="usage-cycle" data-testid="usage-cycle">{cycle}</p>
        {plan_view(plan.as_ref())}
        <Figures report=report.clone()/>
        <h3 id="usage-chart-title">"Conversations per day"</h3>
        <div class="usage-chart-row">
            <DayChart report=report.clone()/>
            <DayTable report=report/>
        </div>
    }
}

/// The plan in a line or two, or that there is none.
fn plan_view(plan: Option<&Plan>) -> impl IntoView {
    match plan {
        None => view! {
            <p class="usage-plan" data-testid="usage-plan">"No plan: unlimited (usage is still counted)"</p>
        }
        .into_any(),
        Some(plan) => {
            let rule = match plan.at_limit {
                AtLimit::Overage => "Overage",
                AtLimit::Cap => "Hard cap",
            };
            let included = format!(
                "{} conversations and {} voice minutes included; past them {} a conversation and {} a voice minute.",
                count(plan.conversations),
                count(plan.voice_minutes),
                money(plan.conversation_overage_cents),
                money(plan.voice_minute_overage_cents)
            );
            let at_limit = match plan.at_limit {
                AtLimit::Overage => "Conversations past the included ones are charged as overage.",
                AtLimit::Cap => "No new chats start once the included conversations are used up.",
            };
            view! {
                <div class="usage-plan" data-testid="usage-plan">
                    <p>
                        <strong data-testid="usage-plan-name">{plan.name.clone()}</strong>
                        " · " <span data-testid="usage-plan-price">{money(plan.price_cents)}</span>" a cycle · "
                        <span class="badge" data-testid="usage-plan-rule">{rule}</span>
                    </p>
                    <p class="hint">{included}" "{at_limit}</p>
                </div>
            }
            .into_any()
        }
    }
}

/// The cycle's figures so far and projected.
#[component]
fn Figures(report: UsageReport) -> impl IntoView {
    let included = report.plan.as_ref().map(|p| p.conversations);
    let minutes_included = report.plan.as_ref().map(|p| p.voice_minutes);
    let of = |n: Option<u64>| n.map(|n| format!(" of {} included", count(n)));
    let cents = |c: Option<u64>| c.map_or_else(|| "—".to_owned(), money);
    let messages = Series::ALL
        .iter()
        .map(|s| {
            let n = count(s.of(&report.messages));
            view! { <li data-testid=format!("usage-messages-{}", s.key())>{s.label()}": "<strong>{n}</strong></li> }
        })
        .collect_view();
    view! {
        <div class="usage-figures">
            <div class="usage-figure" class:limit=report.limit_reached data-testid="usage-conversations-card">
                <h4>"Conversations"</h4>
                <p class="usage-number"><span data-testid="usage-conversations">{count(report.conversations.total())}</span>{of(included)}</p>
                {report.limit_reached.then(|| view! {
                    <p class="usage-limit" role="status" data-testid="usage-limit-reached">
                        "Limit reached: no new chats start until the next cycle."
                    </p>
                })}
            </div>
            <div class="usage-figure">
                <h4>"Voice minutes"</h4>
                <p class="usage-number"><span data-testid="usage-voice-minutes">{count(report.voice_minutes)}</span>{of(minutes_included)}</p>
            </div>
            <div class="usage-figure">
                <h4>"Messages"</h4>
                <ul class="usage-list">{messages}</ul>
            </div>
            <div class="usage-figure">
                <h4>"AI tokens"</h4>
                <p class="usage-number" data-testid="usage-ai-tokens">{count(report.ai_tokens)}</p>
            </div>
            <div class="usage-figure">
                <h4>"Overage so far"</h4>
                <p class="usage-number" data-testid="usage-overage">{cents(report.overage_cents)}</p>
            </div>
            <div class="usage-figure">
                <h4>"Projected by the cycle's end"</h4>
                <ul class="usage-list">
                    <li>"Conversations: "<strong data-testid="usage-projected-conversations">{count(report.projected_conversations)}</strong></li>
                    <li>"Voice minutes: "<strong data-testid="usage-projected-minutes">{count(report.projected_voice_minutes)}</strong></li>
                    <li>"Overage: "<strong data-testid="usage-projected-overage">{cents(report.projected_overage_cents)}</strong></li>
                    <li>"Total: "<strong data-testid="usage-projected-total">{cents(report.projected_total_cents)}</strong></li>
                </ul>
            </div>
        </div>
    }
}

/// Stacked bars per day; each channel has a pattern as well as a colour, named in the legend.
#[component]
fn DayChart(report: UsageReport) -> impl IntoView {
    let c = chart(&report.days, report.days_total);
    let view_box = format!("0 0 {} {}", c.width, c.height);
    let (left, right, baseline) = (c.left, c.right, c.baseline);
    let ticks = c
        .ticks
        .iter()
        .map(|t| {
            view! {
                <line class="usage-grid" x1=left x2=right y1=t.y y2=t.y/>
                <text class="usage-tick" x=left - 6 y=t.y + 4 text-anchor="end">{count(t.value)}</text>
            }
        })
        .collect_view();
    let labels = c
        .labels
        .iter()
        .map(|l| view! { <text class="usage-tick" x=l.x y=baseline + 18 text-anchor="middle">{l.text.clone()}</text> })
        .collect_view();
    let bars = c
        .bars
        .into_iter()
        .map(|bar| {
            let x = bar.x;
            let width = bar.width;
            let segments = bar
                .segments
                .iter()
                .map(|s| {
                    view! {
                        <rect class=format!("usage-seg usage-{}", s.series.key())
                            fill=format!("url(#usage-pattern-{})", s.series.key())
                            x=x y=s.y width=width height=s.height data-channel=s.series.key()/>
                    }
                })
                .collect_view();
            view! {
                <g data-testid="usage-bar" data-date=bar.date data-total=bar.total>
                    <title>{bar.title}</title>
                    {segments}
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="usage-chart">
            <svg viewBox=view_box role="img" aria-labelledby="usage-chart-summary" data-testid="usage-chart"
                preserveAspectRatio="xMinYMin meet">
                <title id="usage-chart-summary">{c.summary.clone()}</title>
                <Patterns/>
                {ticks}
                {labels}
                <line class="usage-axis" x1=left x2=right y1=baseline y2=baseline/>
                {bars}
            </svg>
            <figcaption>
                <ul class="usage-legend" data-testid="usage-legend">
                    {Series::ALL.iter().map(|s| view! {
                        <li>
                            <svg viewBox="0 0 14 14" width="14" height="14" aria-hidden="true">
                                <rect class=format!("usage-seg usage-{}", s.key())
                                    fill=format!("url(#usage-pattern-{})", s.key()) width="14" height="14"/>
                            </svg>
                            {s.label()}
                        </li>
                    }).collect_view()}
                </ul>
            </figcaption>
        </figure>
    }
}

/// One pattern per channel, so a bar's channels read without colour: web solid, SMS diagonal
/// stripes, email dots, voice cross-hatch.
#[component]
fn Patterns() -> impl IntoView {
    view! {
        <defs>
            <pattern id="usage-pattern-web" width="6" height="6" patternUnits="userSpaceOnUse">
                <rect class="usage-fill-web" width="6" height="6"/>
            </pattern>
            <pattern id="usage-pattern-sms" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                <rect class="usage-fill-sms" width="6" height="6"/>
                <rect class="usage-ink" width="2" height="6"/>
            </pattern>
            <pattern id="usage-pattern-email" width="6" height="6" patternUnits="userSpaceOnUse">
                <rect class="usage-fill-email" width="6" height="6"/>
                <circle class="usage-ink" cx="3" cy="3" r="1.4"/>
            </pattern>
            <pattern id="usage-pattern-voice" width="6" height="6" patternUnits="userSpaceOnUse">
                <rect class="usage-fill-voice" width="6" height="6"/>
                <path class="usage-ink-line" d="M0 0L6 6M6 0L0 6"/>
            </pattern>
        </defs>
    }
}

/// The chart's numbers, exactly: one row per day so far.
#[component]
fn DayTable(report: UsageReport) -> impl IntoView {
    let rows = report
        .days
        .iter()
        .rev()
        .map(|d| {
            let cells = Series::ALL
                .iter()
                .map(|s| view! { <td class="num" data-channel=s.key()>{s.of(&d.conversations)}</td> })
                .collect_view();
            view! {
                <tr data-testid="usage-day" data-date=d.date.clone()>
                    <th scope="row">{short_date(&d.date)}</th>
                    {cells}
                    <td class="num" data-channel="total">{d.conversations.total()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        // Scrolls on its own: focusable, so keyboard users can scroll it too.
        <div class="usage-table-wrap" tabindex="0" role="region" aria-label="Conversations per day">
            <table class="data usage-table" data-testid="usage-days" aria-labelledby="usage-chart-title">
                <thead>
                    <tr>
                        <th scope="col">"Day"</th>
                        {Series::ALL.iter().map(|s| view! { <th scope="col" class="num">{s.label()}</th> }).collect_view()}
                        <th scope="col" class="num">"Total"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
