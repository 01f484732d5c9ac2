//! The proactive-messages settings form as plain data: the rules as the admin types them (numbers
//! kept as typed text), what a save sends ([`ProactiveForm::to_view`]), the shared parser run
//! before sending with its complaint named like the server's 422 (`rules[2].message`), where such
//! a complaint points in the form ([`Blame`]), and how each rule's counts read. Plain Rust, so the
//! rules run as host tests; the page in `pages/settings/proactive.rs` only draws and wires it.

use shared::api::ErrorDetail;
use shared::proactive::{
    ProactiveSettingsView, RuleCounts, RuleInput, MAX_MESSAGE_CHARS, MAX_RULES,
};

use crate::api::ApiError;

/// The triggers in the order the select offers them, with their words (one per
/// [`shared::proactive::Trigger::KINDS`]).
pub const TRIGGERS: [(&str, &str); 6] = [
    ("time_on_page", "Time on page"),
    ("scroll_depth", "Scroll depth"),
    ("idle", "Idle time"),
    ("exit_intent", "Exit intent (desktop)"),
    ("page_visit", "Page visit"),
    ("returning_visitor", "Returning visitor"),
];

/// The days a new "once per visitor every N days" cap starts with.
pub const DEFAULT_CAP_DAYS: i64 = 7;

/// The fields of one rule, as the server names them after `rules[i].`.
pub const RULE_FIELDS: [&str; 8] = [
    "name",
    "active",
    "trigger",
    "triggerValue",
    "pages",
    "message",
    "delaySeconds",
    "capDays",
];

/// What a trigger's value counts, when it takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueUnit {
    Seconds,
    Percent,
}

/// The unit of the value `kind` (one of [`Trigger::KINDS`]) waits for; `None`: it takes none.
pub fn value_unit(kind: &str) -> Option<ValueUnit> {
    match kind {
        "time_on_page" | "idle" => Some(ValueUnit::Seconds),
        "scroll_depth" => Some(ValueUnit::Percent),
        _ => None,
    }
}

/// The value a rule switched to `kind` starts with (a time on page is not a scroll depth).
pub fn default_value(kind: &str) -> i64 {
    match kind {
        "time_on_page" => 30,
        "idle" => 60,
        "scroll_depth" => 50,
        _ => 0,
    }
}

/// The label of the value input for `kind`.
pub fn value_label(kind: &str) -> &'static str {
    match kind {
        "idle" => "Seconds without activity",
        "scroll_depth" => "Percent of the page scrolled",
        _ => "Seconds on the page",
    }
}

/// One rule as the admin edits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDraft {
    /// A local id, stable while the page is open: what the page's inputs and errors hang on.
    pub key: u64,
    /// The stored rule's id; `None` until the rule is first saved.
    pub id: Option<String>,
    pub name: String,
    pub active: bool,
    /// One of [`Trigger::KINDS`].
    pub trigger: String,
    /// As typed; read only for the triggers that take a value.
    pub trigger_value: String,
    pub pages: String,
    pub message: String,
    pub delay_seconds: String,
    /// Capped per visitor over days (else once per browsing session).
    pub per_visitor: bool,
    /// As typed; read only when `per_visitor`.
    pub cap_days: String,
}

impl RuleDraft {
    fn new(key: u64, input: RuleInput) -> Self {
        let trigger_value = if value_unit(&input.trigger).is_some() {
            input.trigger_value
        } else {
            default_value(&input.trigger)
        };
        Self {
            key,
            id: input.id,
            name: input.name,
            active: input.active,
            trigger: input.trigger,
            trigger_value: trigger_value.to_string(),
            pages: input.pages,
            message: input.message,
            delay_seconds: input.delay_seconds.to_string(),
            per_visitor: input.cap_days.is_some(),
            cap_days: input.cap_days.unwrap_or(DEFAULT_CAP_DAYS).to_string(),
        }
    }

    /// What a save sends for this rule. A number that does not read as one is sent as -1, out of
    /// every range, so the parser names its field.
    pub fn to_input(&self) -> RuleInput {
        RuleInput {
            id: self.id.clone(),
            name: self.name.clone(),
            active: self.active,
            trigger: self.trigger.clone(),
            trigger_value: if value_unit(&self.trigger).is_some() {
                number(&self.trigger_value)
            } else {
                0
            },
            pages: self.pages.clone(),
            message: self.message.clone(),
            delay_seconds: number(&self.delay_seconds),
            cap_days: self.per_visitor.then(|| number(&self.cap_days)),
        }
    }

    /// Switches the trigger; the value restarts at the new trigger's default when its unit
    /// changes.
    pub fn set_trigger(&mut self, kind: String) {
        if value_unit(&kind) != value_unit(&self.trigger) {
            self.trigger_value = default_value(&kind).to_string();
        }
        self.trigger = kind;
    }
}

fn number(text: &str) -> i64 {
    text.trim().parse().unwrap_or(-1)
}

/// The whole form: the switch and the rules in the order they are tried.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProactiveForm {
    pub enabled: bool,
    pub rules: Vec<RuleDraft>,
    /// The next [`RuleDraft::key`]; never reused, across loads too.
    next_key: u64,
}

impl ProactiveForm {
    /// Shows `view`. The rules keep the keys of the places they land in (so the page keeps its
    /// inputs, the focus and the previewed rule); a rule in a new place takes a new key.
    pub fn load(&mut self, view: ProactiveSettingsView) {
        self.enabled = view.enabled;
        let keys: Vec<u64> = self.rules.iter().map(|r| r.key).collect();
        self.rules = view
            .rules
            .into_iter()
            .enumerate()
            .map(|(i, input)| {
                let key = keys.get(i).copied().unwrap_or_else(|| self.take_key());
                RuleDraft::new(key, input)
            })
            .collect();
    }

    fn take_key(&mut self) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        key
    }

    /// What a save sends now.
    pub fn to_view(&self) -> ProactiveSettingsView {
        ProactiveSettingsView {
            enabled: self.enabled,
            rules: self.rules.iter().map(RuleDraft::to_input).collect(),
        }
    }

    pub fn can_add(&self) -> bool {
        self.rules.len() < MAX_RULES
    }

    /// Adds an empty rule at the end (unless the list is full); answers its key.
    pub fn add(&mut self) -> Option<u64> {
        if !self.can_add() {
            return None;
        }
        let key = self.take_key();
        self.rules.push(RuleDraft::new(key, RuleInput::default()));
        Some(key)
    }

    pub fn rule(&self, key: u64) -> Option<&RuleDraft> {
        self.rules.iter().find(|r| r.key == key)
    }

    pub fn rule_mut(&mut self, key: u64) -> Option<&mut RuleDraft> {
        self.rules.iter_mut().find(|r| r.key == key)
    }

    /// Where the rule `key` is in the list: what the server's field names count.
    pub fn index_of(&self, key: u64) -> Option<usize> {
        self.rules.iter().position(|r| r.key == key)
    }

    pub fn remove(&mut self, key: u64) {
        self.rules.retain(|r| r.key != key);
    }

    /// Moves the rule `key` one place earlier (`up`) or later; false when it cannot.
    pub fn shift(&mut self, key: u64, up: bool) -> bool {
        let Some(i) = self.index_of(key) else {
            return false;
        };
        let other = if up { i.checked_sub(1) } else { Some(i + 1) };
        match other.filter(|j| *j < self.rules.len()) {
            Some(j) => {
                self.rules.swap(i, j);
                true
            }
            None => false,
        }
    }

    /// After a save the admin typed on from: each rule that was sent new (`sent_keys[i]` is the
    /// rule sent `i`th) takes the id the server gave it, so the next save does not add it again.
    pub fn adopt_ids(&mut self, sent_keys: &[u64], saved: &ProactiveSettingsView) {
        for (key, stored) in sent_keys.iter().zip(&saved.rules) {
            if let Some(rule) = self.rule_mut(*key) {
                if rule.id.is_none() {
                    rule.id.clone_from(&stored.id);
                }
            }
        }
    }

    /// The shared parser's first complaint about what a save would send, named as the server's
    /// 422 names it.
    pub fn check(&self) -> Result<(), ApiError> {
        if self.rules.len() > MAX_RULES {
            return Err(unprocessable(
                "rules".to_owned(),
                "too_many",
                format!("At most {MAX_RULES} rules."),
            ));
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if let Err(e) = rule.to_input().parse() {
                return Err(unprocessable(rule_field(i, e.field), e.code, e.message));
            }
        }
        Ok(())
    }
}

/// `rules[<index>].<field>`, as the server names a rule's field.
pub fn rule_field(index: usize, field: &str) -> String {
    format!("rules[{index}].{field}")
}

/// `(index, field)` of a name such as `rules[3].message`.
pub fn parse_rule_field(name: &str) -> Option<(usize, &str)> {
    let rest = name.strip_prefix("rules[")?;
    let (index, field) = rest.split_once("].")?;
    let index = index.parse().ok()?;
    (!field.is_empty()).then_some((index, field))
}

fn unprocessable(field: String, code: &str, message: String) -> ApiError {
    ApiError::Status {
        status: 422,
        retry_after: None,
        detail: Some(ErrorDetail {
            code: code.to_owned(),
            message,
            field: Some(field),
        }),
    }
}

/// Where an error is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blame {
    /// A field of one rule (one of [`RULE_FIELDS`], or another the rule shows above its fields).
    Rule {
        key: u64,
        field: String,
        message: String,
    },
    /// The list as a whole (too many rules): by the "Add a rule" button.
    Rules { message: String },
    /// Anything else: above the save button.
    Form { message: String },
}

impl Blame {
    /// Where `error` goes in `form` as it is now (a rule is found by its place when it came).
    pub fn of(error: &ApiError, form: &ProactiveForm) -> Self {
        let message = error.message();
        let field = error.field().unwrap_or_default();
        if field == "rules" {
            return Self::Rules { message };
        }
        match parse_rule_field(field).and_then(|(i, f)| Some((form.rules.get(i)?.key, f))) {
            Some((key, field)) => Self::Rule {
                key,
                field: field.to_owned(),
                message,
            },
            None => Self::Form { message },
        }
    }

    /// The message when it is about `field` of the rule `key`.
    pub fn rule_message(&self, key: u64, field: &str) -> Option<&str> {
        match self {
            Self::Rule {
                key: k,
                field: f,
                message,
            } if *k == key && f == field => Some(message),
            _ => None,
        }
    }

    /// The message when it is about a field of the rule `key` that has no input of its own.
    pub fn rule_other_message(&self, key: u64) -> Option<&str> {
        match self {
            Self::Rule {
                key: k,
                field,
                message,
            } if *k == key && !RULE_FIELDS.contains(&field.as_str()) => Some(message),
            _ => None,
        }
    }
}

/// The DOM id of the input of `field` in the rule `key`.
pub fn input_id(key: u64, field: &str) -> String {
    format!("proactive-rule-{key}-{field}")
}

/// The id of the message under that input (what its `aria-describedby` names).
pub fn error_id(key: u64, field: &str) -> String {
    format!("{}-error", input_id(key, field))
}

/// Where the focus goes for an error: the named input, the rule's first input for a field
/// without one, the add button for the list.
pub fn focus_target(blame: &Blame) -> Option<String> {
    match blame {
        Blame::Rule { key, field, .. } if RULE_FIELDS.contains(&field.as_str()) => {
            Some(input_id(*key, field))
        }
        Blame::Rule { key, .. } => Some(input_id(*key, "name")),
        Blame::Rules { .. } => Some("proactive-add".to_owned()),
        Blame::Form { .. } => None,
    }
}

/// `opened` of `shown` as a whole percent; "—" when nothing was shown.
pub fn open_rate(shown: i64, opened: i64) -> String {
    if shown <= 0 {
        return "—".to_owned();
    }
    let percent = (opened as f64 * 100.0 / shown as f64).round();
    format!("{percent:.0}%")
}

/// The counts of the rule `id`; zeros when it has none.
pub fn counts_of(counts: &[RuleCounts], id: &str) -> RuleCounts {
    counts
        .iter()
        .find(|c| c.rule_id == id)
        .cloned()
        .unwrap_or_else(|| RuleCounts {
            rule_id: id.to_owned(),
            ..RuleCounts::default()
        })
}

/// What the counts cover: "Today" or "Last 30 days".
pub fn period(days: u32) -> String {
    if days <= 1 {
        "Today".to_owned()
    } else {
        format!("Last {days} days")
    }
}

/// "12 / 280", and whether the message is over the limit (the server counts it trimmed).
pub fn message_count(message: &str) -> (String, bool) {
    let n = message.trim().chars().count();
    (format!("{n} / {MAX_MESSAGE_CHARS}"), n > MAX_MESSAGE_CHARS)
}

/// The words of a trigger kind in the select.
pub fn trigger_label(kind: &str) -> &'static str {
    TRIGGERS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Unknown trigger", |(_, label)| label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::proactive::Trigger;

    fn saved(id: &str, name: &str) -> RuleInput {
        RuleInput {
            id: Some(id.to_owned()),
            name: name.to_owned(),
            trigger: "scroll_depth".to_owned(),
            trigger_value: 40,
            pages: "/pricing".to_owned(),
            message: "Need help choosing a plan?".to_owned(),
            delay_seconds: 3,
            cap_days: Some(14),
            ..RuleInput::default()
        }
    }

    fn form(rules: Vec<RuleInput>) -> ProactiveForm {
        let mut form = ProactiveForm::default();
        form.load(ProactiveSettingsView {
            enabled: true,
            rules,
        });
        form
    }

    #[test]
    fn a_loaded_form_sends_back_what_it_loaded() {
        let rules = vec![saved("pr_1", "Pricing"), saved("pr_2", "Blog")];
        let f = form(rules.clone());
        assert_eq!(
            f.to_view(),
            ProactiveSettingsView {
                enabled: true,
                rules
            }
        );
        let session = RuleInput {
            cap_days: None,
            trigger: "exit_intent".to_owned(),
            trigger_value: 0,
            ..saved("pr_3", "Leaving")
        };
        assert_eq!(form(vec![session.clone()]).to_view().rules, [session]);
    }

    #[test]
    fn numbers_that_do_not_read_are_named_by_the_parser() {
        let mut f = form(vec![saved("pr_1", "Pricing"), saved("pr_2", "Blog")]);
        f.rules[1].delay_seconds = "soon".to_owned();
        let e = f.check().expect_err("bad delay");
        assert_eq!(e.field(), Some("rules[1].delaySeconds"));
        f.rules[1].delay_seconds = " 5 ".to_owned();
        f.rules[0].cap_days = String::new();
        assert_eq!(f.check().unwrap_err().field(), Some("rules[0].capDays"));
        // The days are not read once the cap is per session.
        f.rules[0].per_visitor = false;
        assert_eq!(f.check(), Ok(()));
        assert_eq!(f.to_view().rules[0].cap_days, None);
    }

    #[test]
    fn the_first_bad_field_is_named_with_its_rule() {
        let mut f = form(vec![saved("pr_1", "Pricing")]);
        let key = f.add().expect("room");
        let e = f.check().expect_err("empty new rule");
        assert_eq!(e.field(), Some("rules[1].name"));
        assert_eq!(e.code(), Some("empty"));
        let rule = f.rule_mut(key).expect("added");
        rule.name = "Visit".to_owned();
        rule.set_trigger("page_visit".to_owned());
        assert_eq!(f.check().unwrap_err().field(), Some("rules[1].pages"));
        assert_eq!(f.to_view().rules[1].id, None);
    }

    #[test]
    fn a_value_follows_its_trigger() {
        let mut f = form(vec![saved("pr_1", "Pricing")]);
        let key = f.rules[0].key;
        let rule = f.rule_mut(key).expect("rule");
        assert_eq!(rule.trigger_value, "40");
        rule.set_trigger("time_on_page".to_owned());
        assert_eq!(rule.trigger_value, "30");
        rule.trigger_value = "45".to_owned();
        rule.set_trigger("idle".to_owned());
        assert_eq!(rule.trigger_value, "45", "seconds stay seconds");
        rule.set_trigger("exit_intent".to_owned());
        assert_eq!(rule.to_input().trigger_value, 0);
        assert_eq!(value_unit("exit_intent"), None);
        assert_eq!(value_unit("scroll_depth"), Some(ValueUnit::Percent));
    }

    #[test]
    fn rules_move_and_go_and_stop_at_the_limit() {
        let mut f = form(vec![saved("a", "A"), saved("b", "B"), saved("c", "C")]);
        let names =
            |f: &ProactiveForm| -> Vec<String> { f.rules.iter().map(|r| r.name.clone()).collect() };
        let (a, c) = (f.rules[0].key, f.rules[2].key);
        assert!(!f.shift(a, true));
        assert!(f.shift(a, false));
        assert_eq!(names(&f), ["B", "A", "C"]);
        assert!(!f.shift(c, false));
        assert!(f.shift(c, true));
        assert_eq!(names(&f), ["B", "C", "A"]);
        f.remove(c);
        assert_eq!(names(&f), ["B", "A"]);
        while f.add().is_some() {}
        assert_eq!(f.rules.len(), MAX_RULES);
        assert!(!f.can_add());
    }

    #[test]
    fn a_reload_keeps_the_keys_of_the_places_and_never_reuses_a_gone_one() {
        let mut f = form(vec![saved("a", "A"), saved("b", "B")]);
        let keys: Vec<u64> = f.rules.iter().map(|r| r.key).collect();
        f.load(ProactiveSettingsView {
            enabled: false,
            rules: vec![saved("c", "C"), saved("a", "A"), saved("b", "B")],
        });
        assert!(!f.enabled);
        assert_eq!(f.rules[..2].iter().map(|r| r.key).collect::<Vec<_>>(), keys);
        assert!(!keys.contains(&f.rules[2].key));
        let third = f.rules[2].key;
        f.load(ProactiveSettingsView::default());
        let key = f.add().expect("room");
        assert!(!keys.contains(&key) && key != third);
    }

    #[test]
    fn new_rules_take_the_ids_they_were_saved_with() {
        let mut f = form(vec![saved("pr_1", "Pricing")]);
        let new = f.add().expect("room");
        let sent: Vec<u64> = f.rules.iter().map(|r| r.key).collect();
        let mut answer = f.to_view();
        answer.rules[1].id = Some("pr_9".to_owned());
        // The admin moved the new rule up and added another while it saved.
        f.shift(new, true);
        let newer = f.add().expect("room");
        f.adopt_ids(&sent, &answer);
        assert_eq!(f.rule(new).and_then(|r| r.id.as_deref()), Some("pr_9"));
        assert_eq!(f.rules[1].id.as_deref(), Some("pr_1"));
        assert_eq!(f.rule(newer).and_then(|r| r.id.clone()), None);
    }

    #[test]
    fn server_field_names_point_at_a_rule_and_its_input() {
        assert_eq!(parse_rule_field("rules[3].message"), Some((3, "message")));
        assert_eq!(
            parse_rule_field("rules[12].triggerValue"),
            Some((12, "triggerValue"))
        );
        for bad in [
            "rules",
            "rules[].name",
            "rules[x].name",
            "rules[1].",
            "name",
        ] {
            assert_eq!(parse_rule_field(bad), None, "{bad}");
        }
        assert_eq!(rule_field(2, "pages"), "rules[2].pages");

        let f = form(vec![saved("a", "A"), saved("b", "B")]);
        let second = f.rules[1].key;
        let error = |field: &str| unprocessable(field.to_owned(), "x", "Wrong.".to_owned());
        let blame = Blame::of(&error("rules[1].message"), &f);
        assert_eq!(blame.rule_message(second, "message"), Some("Wrong."));
        assert_eq!(blame.rule_message(second, "pages"), None);
        assert_eq!(
            focus_target(&blame),
            Some(format!("proactive-rule-{second}-message"))
        );
        assert_eq!(
            error_id(second, "message"),
            format!("proactive-rule-{second}-message-error")
        );
        let unknown = Blame::of(&error("rules[1].id"), &f);
        assert_eq!(unknown.rule_other_message(second), Some("Wrong."));
        assert_eq!(focus_target(&unknown), Some(input_id(second, "name")));
        let list = Blame::of(&error("rules"), &f);
        assert!(matches!(list, Blame::Rules { .. }));
        assert_eq!(focus_target(&list).as_deref(), Some("proactive-add"));
        // A rule that is no longer there, or no field at all: above the button.
        assert!(matches!(
            Blame::of(&error("rules[5].name"), &f),
            Blame::Form { .. }
        ));
        assert!(matches!(
            Blame::of(&ApiError::Network, &f),
            Blame::Form { .. }
        ));
    }

    #[test]
    fn open_rates_read_as_whole_percents() {
        assert_eq!(open_rate(0, 0), "—");
        assert_eq!(open_rate(3, 1), "33%");
        assert_eq!(open_rate(3, 2), "67%");
        assert_eq!(open_rate(8, 8), "100%");
        assert_eq!(open_rate(40, 0), "0%");
    }

    #[test]
    fn a_rule_without_counts_has_zeros() {
        let counts = vec![RuleCounts {
            rule_id: "a".to_owned(),
            shown: 5,
            opened: 2,
            dismissed: 1,
        }];
        assert_eq!(counts_of(&counts, "a").shown, 5);
        let none = counts_of(&counts, "b");
        assert_eq!((none.shown, none.opened, none.dismissed), (0, 0, 0));
        assert_eq!(none.rule_id, "b");
    }

    #[test]
    fn the_period_reads_as_days() {
        assert_eq!(period(30), "Last 30 days");
        assert_eq!(period(1), "Today");
    }

    #[test]
    fn the_message_count_is_of_characters() {
        assert_eq!(message_count("  héllo \n"), ("5 / 280".to_owned(), false));
        let (_, over) = message_count(&"é".repeat(MAX_MESSAGE_CHARS + 1));
        assert!(over);
        assert!(!message_count(&"é".repeat(MAX_MESSAGE_CHARS)).1);
    }

    #[test]
    fn every_trigger_the_parser_knows_has_words() {
        for kind in Trigger::KINDS {
            assert_ne!(trigger_label(kind), "Unknown trigger", "{kind}");
        }
        assert_eq!(trigger_label("exit_intent"), "Exit intent (desktop)");
    }
}
