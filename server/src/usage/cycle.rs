//! Billing cycles: a workspace's cycle starts on its cycle day of each month (1 to 31; in a
//! shorter month, on its last day), in UTC, and runs to the next start, excluded.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// A cycle: `[start, end)` as dates and as Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cycle {
    pub start: Date,
    pub end: Date,
}

/// The cycle day as it falls in `year`-`month`: the last day when the month is shorter.
fn start_in(year: i16, month: i8, day: i8) -> Date {
    let first = Date::new(year, month, 1).unwrap_or_default();
    first
        .with()
        .day(day.min(first.days_in_month()))
        .build()
        .unwrap_or(first)
}

impl Cycle {
    /// The cycle holding `today` for cycle day `day` (clamped to 1..=31).
    pub fn containing(today: Date, day: i8) -> Self {
        let day = day.clamp(1, 31);
        let this_month = start_in(today.year(), today.month(), day);
        let start = if this_month <= today {
            this_month
        } else {
            let previous = today.first_of_month().saturating_sub(1.day());
            start_in(previous.year(), previous.month(), day)
        };
        let next = start.first_of_month().saturating_add(1.month());
        Cycle {
            start,
            end: start_in(next.year(), next.month(), day),
        }
    }

    /// The cycle holding now.
    pub fn current(day: i8) -> Self {
        Self::containing(
            Timestamp::now().to_zoned_datetime(TimeZone::UTC).date(),
            day,
        )
    }

    pub fn start_ms(&self) -> i64 {
        midnight_ms(self.start)
    }

    pub fn end_ms(&self) -> i64 {
        midnight_ms(self.end)
    }

    /// Days in the cycle.
    pub fn days(&self) -> u64 {
        u64::try_from((self.end_ms() - self.start_ms()) / 86_400_000).unwrap_or(0)
    }

    /// Days of the cycle up to and including `today`.
    pub fn days_used(&self, today: Date) -> u64 {
        let today = midnight_ms(today).clamp(self.start_ms(), self.end_ms() - 1);
        u64::try_from((today - self.start_ms()) / 86_400_000 + 1).unwrap_or(1)
    }
}

/// Midnight UTC of `date`, in Unix milliseconds.
pub fn midnight_ms(date: Date) -> i64 {
    date.at(0, 0, 0, 0)
        .to_zoned_datetime(TimeZone::UTC)
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn a_cycle_runs_from_its_day_to_the_next_months() {
        let c = Cycle::containing(date(2026, 12, 3), 15);
        assert_eq!((c.start, c.end), (date(2026, 11, 15), date(2026, 12, 15)));
        assert_eq!(c.days(), 30);
        assert_eq!(c.days_used(date(2026, 12, 3)), 19);
        let c = Cycle::containing(date(2026, 12, 15), 15);
        assert_eq!((c.start, c.end), (date(2026, 12, 15), date(2027, 1, 15)));
        assert_eq!(c.days_used(date(2026, 12, 15)), 1);
        let c = Cycle::containing(date(2026, 12, 3), 1);
        assert_eq!((c.start, c.end), (date(2026, 12, 1), date(2027, 1, 1)));
        assert_eq!(c.days(), 31);
    }

    #[test]
    fn a_late_cycle_day_falls_on_a_short_months_last_day() {
        let c = Cycle::containing(date(2027, 2, 28), 31);
        assert_eq!((c.start, c.end), (date(2027, 2, 28), date(2027, 3, 31)));
        let c = Cycle::containing(date(2027, 2, 27), 31);
        assert_eq!((c.start, c.end), (date(2027, 1, 31), date(2027, 2, 28)));
        assert_eq!(c.days(), 28);
        // Leap year.
        let c = Cycle::containing(date(2028, 3, 1), 30);
        assert_eq!((c.start, c.end), (date(2028, 2, 29), date(2028, 3, 30)));
    }

    #[test]
    fn the_boundary_is_midnight_utc() {
        let c = Cycle::containing(date(2026, 12, 3), 1);
        assert_eq!(c.start_ms(), 1_796_083_200_000);
        assert_eq!(c.end_ms() - c.start_ms(), 31 * 86_400_000);
    }
}
