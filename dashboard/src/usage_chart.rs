//! The usage page's words and chart, as plain Rust: money from cents, counts with thousands
//! separators, the cycle's date range, and the geometry of the conversations-per-day chart
//! (stacked bars per day, one series per channel, a "nice" scale with round ticks). The view
//! (`pages/settings/usage.rs`) only draws what [`chart`] computes.
//!
//! Geometry is in whole SVG units: the chart scales with its `viewBox`, and integer coordinates
//! keep float formatting out of the WASM.

use shared::usage::{PerChannel, UsageDay};

/// "$18.50", "$1,199.00".
pub fn money(cents: u64) -> String {
    format!("${}.{:02}", count(cents / 100), cents % 100)
}

/// "12,345".
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A `YYYY-MM-DD` date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Date {
    /// `None` unless `s` is a real `YYYY-MM-DD` date.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Self { year, month, day })
    }

    /// The day before.
    pub fn previous(self) -> Self {
        match (self.month, self.day) {
            (1, 1) => Self {
                year: self.year - 1,
                month: 12,
                day: 31,
            },
            (m, 1) => Self {
                year: self.year,
                month: m - 1,
                day: days_in_month(self.year, m - 1),
            },
            (m, d) => Self {
                year: self.year,
                month: m,
                day: d - 1,
            },
        }
    }

    /// "Dec 1".
    pub fn short(self) -> String {
        format!("{} {}", MONTHS[usize::from(self.month - 1)], self.day)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A `YYYY-MM-DD` date as "Dec 1"; unreadable ones as they came.
pub fn short_date(s: &str) -> String {
    Date::parse(s).map_or_else(|| s.to_owned(), Date::short)
}

/// The cycle from its first day to the next cycle's (excluded): "Dec 1 – Dec 31, 2026", or with
/// both years when it spans two: "Dec 15, 2026 – Jan 14, 2027".
pub fn cycle_range(start: &str, end_excluded: &str) -> String {
    match (Date::parse(start), Date::parse(end_excluded)) {
        (Some(first), Some(next)) => {
            let last = next.previous();
            if first.year == last.year {
                format!("{} – {}, {}", first.short(), last.short(), last.year)
            } else {
                format!(
                    "{}, {} – {}, {}",
                    first.short(),
                    first.year,
                    last.short(),
                    last.year
                )
            }
        }
        _ => format!("{start} – {end_excluded}"),
    }
}

/// A channel, as a series of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    Web,
    Sms,
    Email,
    Voice,
}

impl Series {
    /// Bottom to top in a bar, left to right in the legend and the table.
    pub const ALL: [Self; 4] = [Self::Web, Self::Sms, Self::Email, Self::Voice];

    /// The CSV's column name; also names the series' CSS class and SVG pattern.
    pub fn key(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Sms => "sms",
            Self::Email => "email",
            Self::Voice => "voice",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Web => "Web chat",
            Self::Sms => "SMS",
            Self::Email => "Email",
            Self::Voice => "Voice",
        }
    }

    pub fn of(self, counts: &PerChannel) -> u64 {
        match self {
            Self::Web => counts.web,
            Self::Sms => counts.sms,
            Self::Email => counts.email,
            Self::Voice => counts.voice,
        }
    }
}

/// "web 3, SMS 2, email 0, voice 1".
pub fn per_channel_text(counts: &PerChannel) -> String {
    Series::ALL
        .iter()
        .map(|s| format!("{} {}", s.label(), count(s.of(counts))))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The chart's size and margins, in SVG units.
pub const SLOT: u32 = 24;
pub const BAR: u32 = 16;
pub const PLOT_HEIGHT: u32 = 200;
const LEFT: u32 = 40;
const RIGHT: u32 = 8;
const TOP: u32 = 10;
const BOTTOM: u32 = 26;

/// The whole chart, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    /// The plot's left, right edges and baseline.
    pub left: u32,
    pub right: u32,
    pub baseline: u32,
    /// The scale's top value (a round number, at least 1).
    pub max: u64,
    pub ticks: Vec<Tick>,
    pub bars: Vec<Bar>,
    /// Dates named under the axis (the first day and every seventh).
    pub labels: Vec<AxisLabel>,
    /// One sentence for screen readers (the SVG's `<title>`).
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub value: u64,
    pub y: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisLabel {
    /// The label's centre.
    pub x: u32,
    pub text: String,
}

/// One day's stacked bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub x: u32,
    pub width: u32,
    pub total: u64,
    /// Bottom to top, channels with none left out.
    pub segments: Vec<Segment>,
    /// "Dec 3: 5 conversations (Web chat 3, SMS 2, Email 0, Voice 0)".
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub series: Series,
    pub y: u32,
    pub height: u32,
    pub count: u64,
}

/// A round step giving at most `max_ticks` steps up to `max`: 1, 2 or 5 × 10ⁿ.
pub fn nice_step(max: u64, max_ticks: u64) -> u64 {
    let max_ticks = max_ticks.max(1);
    let mut magnitude = 1u64;
    loop {
        for m in [1, 2, 5] {
            let step = magnitude.saturating_mul(m);
            if step.saturating_mul(max_ticks) >= max {
                return step;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// Lays out the chart of `days` in a cycle of `days_total` days: one slot per day of the whole
/// cycle, so the bars so far fill it from the left.
pub fn chart(days: &[UsageDay], days_total: u64) -> Chart {
    let slots = u32::try_from(days_total.max(days.len() as u64).max(1)).unwrap_or(u32::MAX / 64);
    let busiest = days
        .iter()
        .map(|d| d.conversations.total())
        .max()
        .unwrap_or(0);
    let step = nice_step(busiest, 4);
    let max = busiest.div_ceil(step).max(1) * step;
    let baseline = TOP + PLOT_HEIGHT;
    // The height of `n` conversations from the baseline, rounded: stacked tops use the running
    // total, so segments meet exactly and a bar's height is its total's.
    let y_of = |n: u64| baseline - scaled(n, max);

    let ticks = (0..=max / step)
        .map(|i| Tick {
            value: i * step,
            y: y_of(i * step),
        })
        .collect();

    let mut labels = Vec::new();
    let bars = days
        .iter()
        .zip(0u32..)
        .map(|(day, i)| {
            let slot_left = LEFT + i * SLOT;
            let x = slot_left + (SLOT - BAR) / 2;
            if i % 7 == 0 {
                labels.push(AxisLabel {
                    x: slot_left + SLOT / 2,
                    text: short_date(&day.date),
                });
            }
            let mut below = 0;
            let segments = Series::ALL
                .iter()
                .filter_map(|&series| {
                    let n = series.of(&day.conversations);
                    let (bottom, top) = (y_of(below), y_of(below + n));
                    below += n;
                    (n > 0).then_some(Segment {
                        series,
                        y: top,
                        height: bottom - top,
                        count: n,
                    })
                })
                .collect();
            let total = day.conversations.total();
            Bar {
                title: format!(
                    "{}: {} conversation{} ({})",
                    short_date(&day.date),
                    count(total),
                    if total == 1 { "" } else { "s" },
                    per_channel_text(&day.conversations)
                ),
                date: day.date.clone(),
                x,
                width: BAR,
                total,
                segments,
            }
        })
        .collect();

    Chart {
        width: LEFT + slots * SLOT + RIGHT,
        height: baseline + BOTTOM,
        left: LEFT,
        right: LEFT + slots * SLOT,
        baseline,
        max,
        ticks,
        bars,
        labels,
        summary: summary(days),
    }
}

/// `n` of `max` in plot units, rounded to the nearest.
fn scaled(n: u64, max: u64) -> u32 {
    let units = (n.min(max) * u64::from(PLOT_HEIGHT) + max / 2) / max;
    u32::try_from(units).unwrap_or(PLOT_HEIGHT)
}

/// "Conversations per day by channel, Dec 1 to Dec 3: 12 in all (Web chat 8, …); the busiest
/// day was Dec 2 with 6."
fn summary(days: &[UsageDay]) -> String {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return "Conversations per day by channel: no days yet.".to_owned();
    };
    let mut all = PerChannel::default();
    for day in days {
        for series in Series::ALL {
            all.add(series.key(), series.of(&day.conversations));
        }
    }
    // The first of the busiest days.
    let busiest = days
        .iter()
        .rev()
        .max_by_key(|d| d.conversations.total())
        .filter(|d| d.conversations.total() > 0);
    let busiest = busiest.map_or_else(String::new, |d| {
        format!(
            "; the busiest day was {} with {}",
            short_date(&d.date),
            count(d.conversations.total())
        )
    });
    format!(
        "Conversations per day by channel, {} to {}: {} in all ({}){busiest}.",
        short_date(&first.date),
        short_date(&last.date),
        count(all.total()),
        per_channel_text(&all)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str, web: u64, sms: u64, email: u64, voice: u64) -> UsageDay {
        UsageDay {
            date: date.into(),
            conversations: PerChannel {
                web,
                sms,
                email,
                voice,
            },
        }
    }

    #[test]
    fn money_is_dollars_and_cents_with_thousands_separated() {
        assert_eq!(money(1_850), "$18.50");
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(5), "$0.05");
        assert_eq!(money(119_900), "$1,199.00");
        assert_eq!(money(123_456_789), "$1,234,567.89");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(12_345_678), "12,345,678");
    }

    #[test]
    fn the_cycle_range_names_its_last_day_not_the_next_cycles_first() {
        assert_eq!(
            cycle_range("2026-12-01", "2027-01-01"),
            "Dec 1 – Dec 31, 2026"
        );
        assert_eq!(
            cycle_range("2026-11-15", "2026-12-15"),
            "Nov 15 – Dec 14, 2026"
        );
        assert_eq!(
            cycle_range("2026-12-15", "2027-01-15"),
            "Dec 15, 2026 – Jan 14, 2027"
        );
        assert_eq!(
            cycle_range("2028-02-01", "2028-03-01"),
            "Feb 1 – Feb 29, 2028"
        );
        assert_eq!(cycle_range("soon", "later"), "soon – later");
    }

    #[test]
    fn dates_are_parsed_strictly() {
        assert_eq!(
            Date::parse("2026-02-28").map(Date::short).as_deref(),
            Some("Feb 28")
        );
        assert_eq!(Date::parse("2026-02-29"), None);
        assert_eq!(Date::parse("2026-13-01"), None);
        assert_eq!(Date::parse("2026-12"), None);
        assert_eq!(short_date("2026-12-03"), "Dec 3");
    }

    #[test]
    fn steps_are_round_and_few() {
        assert_eq!(nice_step(0, 4), 1);
        assert_eq!(nice_step(3, 4), 1);
        assert_eq!(nice_step(7, 4), 2);
        assert_eq!(nice_step(9, 4), 5);
        assert_eq!(nice_step(40, 4), 10);
        assert_eq!(nice_step(41, 4), 20);
        assert_eq!(nice_step(1_234, 4), 500);
    }

    #[test]
    fn bars_stack_the_channels_and_reach_their_totals_height() {
        let days = [
            day("2026-12-01", 3, 2, 0, 1),
            day("2026-12-02", 0, 0, 0, 0),
            day("2026-12-03", 1, 0, 1, 0),
        ];
        let c = chart(&days, 31);
        // Busiest day 6: steps of 2 up to 6.
        assert_eq!(c.max, 6);
        assert_eq!(
            c.ticks.iter().map(|t| t.value).collect::<Vec<_>>(),
            [0, 2, 4, 6]
        );
        assert_eq!(c.ticks[0].y, c.baseline);
        assert_eq!(c.ticks[3].y, c.baseline - PLOT_HEIGHT);
        // The whole cycle has a slot, not only the days so far.
        assert_eq!(c.right - c.left, 31 * SLOT);
        assert_eq!(c.width, c.right + RIGHT);

        let first = &c.bars[0];
        assert_eq!(first.total, 6);
        let series: Vec<_> = first.segments.iter().map(|s| s.series).collect();
        assert_eq!(series, [Series::Web, Series::Sms, Series::Voice]);
        // Bottom up, each segment sits on the one below, and the top is the scale's top.
        assert_eq!(first.segments[0].y + first.segments[0].height, c.baseline);
        for pair in first.segments.windows(2) {
            assert_eq!(pair[1].y + pair[1].height, pair[0].y);
        }
        assert_eq!(first.segments[2].y, c.baseline - PLOT_HEIGHT);
        assert_eq!(first.segments[0].height, 100);

        assert!(c.bars[1].segments.is_empty());
        assert_eq!(c.bars[2].x, c.bars[0].x + 2 * SLOT);
        assert_eq!(
            c.bars[2].title,
            "Dec 3: 2 conversations (Web chat 1, SMS 0, Email 1, Voice 0)"
        );
    }

    #[test]
    fn an_empty_cycle_still_has_a_scale_and_says_so() {
        let c = chart(&[], 30);
        assert_eq!(c.max, 1);
        assert!(c.bars.is_empty());
        assert_eq!(c.summary, "Conversations per day by channel: no days yet.");
        let c = chart(&[day("2026-12-01", 0, 0, 0, 0)], 31);
        assert_eq!(c.max, 1);
        assert!(c.bars[0].segments.is_empty());
    }

    #[test]
    fn dates_are_named_every_week_under_the_axis() {
        let days: Vec<_> = (1..=15)
            .map(|d| day(&format!("2026-12-{d:02}"), 1, 0, 0, 0))
            .collect();
        let c = chart(&days, 31);
        let texts: Vec<_> = c.labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Dec 1", "Dec 8", "Dec 15"]);
        assert_eq!(c.labels[1].x, c.left + 7 * SLOT + SLOT / 2);
    }

    #[test]
    fn the_summary_adds_up_the_cycle_and_names_the_busiest_day() {
        let days = [
            day("2026-12-01", 3, 2, 0, 1),
            day("2026-12-02", 4, 2, 0, 0),
            day("2026-12-03", 1, 0, 1, 0),
        ];
        assert_eq!(
            chart(&days, 31).summary,
            "Conversations per day by channel, Dec 1 to Dec 3: 14 in all (Web chat 8, SMS 4, \
             Email 1, Voice 1); the busiest day was Dec 1 with 6."
        );
    }

    #[test]
    fn a_quiet_bar_rounds_but_never_overflows_the_plot() {
        let days = [
            day("2026-12-01", 1, 0, 0, 0),
            day("2026-12-02", 999, 0, 0, 0),
        ];
        let c = chart(&days, 31);
        assert_eq!(c.max, 1_000);
        assert!(c.bars[0].segments[0].height <= 1);
        assert!(c.bars[1].segments[0].y >= c.baseline - PLOT_HEIGHT);
    }
}
