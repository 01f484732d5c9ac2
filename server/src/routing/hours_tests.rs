use jiff::civil::date;
use jiff::tz::TimeZone;
use shared::routing::{parse_weekly_hours, HoursRange, Opening};

use super::*;

/// Unix milliseconds of a wall-clock time in `tz`.
fn at(tz: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> i64 {
    date(y, mo, d)
        .at(h, mi, 0, 0)
        .to_zoned_datetime(TimeZone::get(tz).unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

fn weekdays_9_to_17(tz: &str) -> BusinessHours {
    let openings: Vec<Opening> = (0..5)
        .map(|weekday| Opening {
            weekday,
            open_min: 540,
            close_min: 1020,
        })
        .collect();
    BusinessHours::new(tz, openings).unwrap()
}

fn hours(tz: &str, ranges: &[(&str, &str, &str)]) -> BusinessHours {
    let ranges: Vec<HoursRange> = ranges
        .iter()
        .map(|(day, open, close)| HoursRange {
            day: (*day).into(),
            open: (*open).into(),
            close: (*close).into(),
        })
        .collect();
    BusinessHours::new(tz, parse_weekly_hours(&ranges).unwrap()).unwrap()
}

#[test]
fn an_unknown_time_zone_is_refused_by_name() {
    let error = BusinessHours::new("Mars/Olympus", vec![]).unwrap_err();
    assert_eq!(error.field, "timeZone");
    assert!(BusinessHours::new("Europe/London", vec![]).is_ok());
    assert!(BusinessHours::new("America/Argentina/Buenos_Aires", vec![]).is_ok());
}

#[test]
fn hours_are_read_in_the_workspaces_time_zone() {
    let tokyo = weekdays_9_to_17("Asia/Tokyo");
    // 2026-12-02 (Wednesday) 09:30 in Tokyo is 00:30 UTC.
    assert!(is_open(&tokyo, at("Asia/Tokyo", 2026, 12, 2, 9, 30)));
    assert!(!is_open(&tokyo, at("Asia/Tokyo", 2026, 12, 2, 8, 59)));
    assert!(!is_open(&tokyo, at("Asia/Tokyo", 2026, 12, 2, 17, 0)));
    // The same instant is 00:30 in London: closed there.
    let london = weekdays_9_to_17("Europe/London");
    assert!(!is_open(&london, at("Asia/Tokyo", 2026, 12, 2, 9, 30)));
}

#[test]
fn nine_oclock_stays_nine_oclock_across_daylight_saving() {
    let london = weekdays_9_to_17("Europe/London");
    // Winter (GMT, UTC+0) and summer (BST, UTC+1): 9:00 local is 9:00 and 8:00 UTC.
    assert!(is_open(&london, at("UTC", 2026, 1, 14, 9, 0)));
    assert!(is_open(&london, at("UTC", 2026, 7, 15, 8, 30)));
    assert!(is_open(&london, at("UTC", 2026, 7, 15, 8, 0)));
    assert!(!is_open(&london, at("UTC", 2026, 7, 15, 16, 0)));
    // The Friday before the clocks change (2026-03-29), the next opening is Monday 9:00 BST.
    let friday_evening = at("Europe/London", 2026, 3, 27, 18, 0);
    assert_eq!(
        next_opening(&london, friday_evening),
        Some(at("UTC", 2026, 3, 30, 8, 0))
    );
    assert_eq!(
        closed_message(&london, friday_evening).as_deref(),
        Some("We're back Monday at 9:00 (Europe/London).")
    );
}

#[test]
fn an_opening_in_the_spring_forward_gap_starts_after_it() {
    // New York skips 02:00–03:00 on Sunday 2026-03-08.
    let ny = hours("America/New_York", &[("sunday", "02:30", "04:00")]);
    let saturday = at("America/New_York", 2026, 3, 7, 12, 0);
    assert_eq!(
        next_opening(&ny, saturday),
        Some(at("UTC", 2026, 3, 8, 7, 30)),
        "02:30 does not exist: 03:30 EDT, 07:30 UTC"
    );
    // In the autumn 01:30 happens twice; the opening is the first of them.
    let ny = hours("America/New_York", &[("sunday", "01:30", "04:00")]);
    let saturday = at("America/New_York", 2026, 10, 31, 12, 0);
    assert_eq!(
        next_opening(&ny, saturday),
        Some(at("UTC", 2026, 11, 1, 5, 30))
    );
}

#[test]
fn overnight_hours_run_into_the_next_day_and_round_the_week() {
    let late = hours(
        "UTC",
        &[("friday", "22:00", "02:00"), ("sunday", "23:00", "01:00")],
    );
    assert!(
        is_open(&late, at("UTC", 2026, 12, 4, 23, 0)),
        "Friday 23:00"
    );
    assert!(
        is_open(&late, at("UTC", 2026, 12, 5, 1, 59)),
        "Saturday 01:59"
    );
    assert!(
        !is_open(&late, at("UTC", 2026, 12, 5, 2, 0)),
        "Saturday 02:00"
    );
    assert!(
        is_open(&late, at("UTC", 2026, 12, 7, 0, 30)),
        "Monday 00:30, from Sunday"
    );
    assert!(!is_open(&late, at("UTC", 2026, 12, 7, 1, 0)));
}

#[test]
fn closed_days_are_skipped_and_the_next_opening_is_found() {
    let hours = weekdays_9_to_17("UTC");
    // Saturday noon → Monday 9:00.
    let saturday = at("UTC", 2026, 12, 5, 12, 0);
    assert_eq!(
        next_opening(&hours, saturday),
        Some(at("UTC", 2026, 12, 7, 9, 0))
    );
    // Tuesday 7:00 → today; Tuesday 18:00 → tomorrow.
    let early = at("UTC", 2026, 12, 1, 7, 0);
    assert_eq!(
        next_opening(&hours, early),
        Some(at("UTC", 2026, 12, 1, 9, 0))
    );
    assert_eq!(
        closed_message(&hours, early).as_deref(),
        Some("We're back today at 9:00 (UTC).")
    );
    let evening = at("UTC", 2026, 12, 1, 18, 0);
    assert_eq!(
        closed_message(&hours, evening).as_deref(),
        Some("We're back tomorrow at 9:00 (UTC).")
    );
    // While open: now, and no message.
    let open = at("UTC", 2026, 12, 1, 10, 0);
    assert_eq!(next_opening(&hours, open), Some(open));
    assert_eq!(closed_message(&hours, open), None);
    // Never open.
    let never = BusinessHours::new("UTC", vec![]).unwrap();
    assert!(!is_open(&never, open));
    assert_eq!(next_opening(&never, open), None);
    assert!(closed_message(&never, open)
        .unwrap()
        .contains("not available"));
}

#[test]
fn a_workspace_without_business_hours_is_never_shown_as_away() {
    use shared::routing::{suggested_hours, HandoffSettings};
    let never_saved = HandoffSettings::default();
    let hours = BusinessHours::from_settings(&never_saved);
    assert!(!hours.is_set());
    // Saturday noon and Tuesday 3:00: no schedule, so no "we're back Monday".
    for now in [at("UTC", 2026, 12, 5, 12, 0), at("UTC", 2026, 12, 1, 3, 0)] {
        assert!(is_open(&hours, now));
        assert_eq!(next_opening(&hours, now), Some(now));
        assert_eq!(closed_message(&hours, now), None);
    }
    // Hours kept in the settings but switched off are not in force…
    let kept = HandoffSettings {
        time_zone: "Europe/London".into(),
        weekly_hours: parse_weekly_hours(&suggested_hours()).unwrap(),
        ..HandoffSettings::default()
    };
    let saturday = at("Europe/London", 2026, 12, 5, 12, 0);
    assert_eq!(
        closed_message(&BusinessHours::from_settings(&kept), saturday),
        None
    );
    // …and are once switched on.
    let on = HandoffSettings {
        business_hours_enabled: true,
        ..kept
    };
    let hours = BusinessHours::from_settings(&on);
    assert!(hours.is_set());
    assert_eq!(
        closed_message(&hours, saturday).as_deref(),
        Some("We're back Monday at 9:00 (Europe/London).")
    );
}
