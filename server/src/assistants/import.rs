//! Reading a file of knowledge entries: CSV (a header row naming `question` or `title`,
//! `answer` and optionally `keywords`) or Markdown (one entry per `## ` heading). All or
//! nothing: the first bad row is reported by its number and nothing is imported.

use shared::assistant_settings::{KnowledgeFields, KnowledgeInput, MAX_IMPORT_ENTRIES};

/// The formats an import reads, by `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Markdown,
}

impl Format {
    /// The format of a `Content-Type` header value (parameters such as `charset` ignored).
    pub fn from_content_type(value: &str) -> Option<Self> {
        let essence = value.split(';').next().unwrap_or_default().trim();
        match essence.to_ascii_lowercase().as_str() {
            "text/csv" | "application/csv" => Some(Self::Csv),
            "text/markdown" | "text/x-markdown" => Some(Self::Markdown),
            _ => None,
        }
    }
}

/// What is wrong with the file, as a sentence naming the row or line ("row 7: the answer is
/// empty").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, ImportError> {
    Err(ImportError(message.into()))
}

/// The entries of `body`, checked like entries typed one by one.
pub fn parse(format: Format, body: &[u8]) -> Result<Vec<KnowledgeFields>, ImportError> {
    let Ok(text) = std::str::from_utf8(body) else {
        return fail("the file is not UTF-8 text; save it as UTF-8 and try again");
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let entries = match format {
        Format::Csv => csv_entries(text)?,
        Format::Markdown => markdown_entries(text)?,
    };
    if entries.is_empty() {
        return fail("the file holds no entries");
    }
    if entries.len() > MAX_IMPORT_ENTRIES {
        return fail(format!(
            "the file holds more than {MAX_IMPORT_ENTRIES} entries; split it and import the parts"
        ));
    }
    Ok(entries)
}

/// Checks one entry; `place` is "row 7" or "line 12".
fn checked(place: &str, input: &KnowledgeInput) -> Result<KnowledgeFields, ImportError> {
    input
        .parse()
        .map_err(|e| ImportError(format!("{place}: {}", e.phrase())))
}

/// Rows are numbered as a spreadsheet shows them: the header is row 1.
fn csv_entries(text: &str) -> Result<Vec<KnowledgeFields>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return fail(format!("row 1: {}", csv_problem(&e))),
        None => return fail("the file is empty"),
    };
    let column = |names: &[&str]| {
        names.iter().find_map(|name| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        })
    };
    let Some(question) = column(&["question", "title"]) else {
        return fail("row 1: the header names no `question` (or `title`) column");
    };
    let Some(answer) = column(&["answer"]) else {
        return fail("row 1: the header names no `answer` column");
    };
    let keywords = column(&["keywords"]);
    let mut entries = Vec::new();
    for (index, record) in records.enumerate() {
        let row = index + 2;
        let record = record.map_err(|e| ImportError(format!("row {row}: {}", csv_problem(&e))))?;
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or_default();
        let input = KnowledgeInput {
            question: field(Some(question)).to_owned(),
            answer: field(Some(answer)).to_owned(),
            keywords: field(keywords).to_owned(),
        };
        entries.push(checked(&format!("row {row}"), &input)?);
        if entries.len() > MAX_IMPORT_ENTRIES {
            break;
        }
    }
    Ok(entries)
}

fn csv_problem(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "the row is not UTF-8 text".to_owned(),
        _ => "the row is not valid CSV".to_owned(),
    }
}

/// A section under one `## ` heading, while it is read.
struct Section {
    line: usize,
    question: String,
    answer: Vec<String>,
    keywords: Option<String>,
}

impl Section {
    fn finish(self) -> Result<KnowledgeFields, ImportError> {
        let input = KnowledgeInput {
            question: self.question,
            answer: self.answer.join("\n"),
            keywords: self.keywords.unwrap_or_default(),
        };
        checked(&format!("line {}", self.line), &input)
    }
}

/// One entry per `## ` heading: the heading is the question, the text up to the next `## `
/// heading the answer; a `Keywords: a, b` line in the section gives the keywords. Text before
/// the first such heading (a `# ` title, an introduction) is skipped; `## ` inside a fenced code
/// block is text.
fn markdown_entries(text: &str) -> Result<Vec<KnowledgeFields>, ImportError> {
    let mut entries = Vec::new();
    let mut section: Option<Section> = None;
    let mut fence: Option<&str> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
        } else if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            fence = Some(marker);
        } else if let Some(heading) = level_two_heading(line) {
            if let Some(done) = section.take() {
                entries.push(done.finish()?);
                if entries.len() > MAX_IMPORT_ENTRIES {
                    return Ok(entries);
                }
            }
            section = Some(Section {
                line: index + 1,
                question: heading.to_owned(),
                answer: Vec::new(),
                keywords: None,
            });
            continue;
        } else if let Some(current) = section.as_mut() {
            if let Some(keywords) = keywords_line(trimmed) {
                if current.keywords.is_none() {
                    current.keywords = Some(keywords.to_owned());
                    continue;
                }
            }
        }
        if let Some(current) = section.as_mut() {
            current.answer.push(line.trim_end().to_owned());
        }
    }
    if let Some(done) = section {
        entries.push(done.finish()?);
    }
    Ok(entries)
}

/// The text of an ATX level-two heading (`## Question ##`), if `line` is one.
fn level_two_heading(line: &str) -> Option<&str> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = line.trim_start_matches(' ').strip_prefix("##")?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let rest = rest.trim();
    // An optional closing sequence of #s, after a space.
    let without_closing = rest.trim_end_matches('#');
    let text = if without_closing.is_empty() || without_closing.ends_with([' ', '\t']) {
        without_closing.trim_end()
    } else {
        rest
    };
    Some(text)
}

/// `Keywords: a, b` (any case, optionally bold or a list item) → `a, b`.
fn keywords_line(trimmed: &str) -> Option<&str> {
    let line = trimmed.trim_start_matches(['-', '*', '_', ' ']);
    let (label, value) = line.split_once(':')?;
    let label = label.trim().trim_matches(['*', '_']);
    if !label.eq_ignore_ascii_case("keywords") {
        return None;
    }
    Some(value.trim().trim_start_matches(['*', '_']).trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Vec<KnowledgeFields>, ImportError> {
        parse(Format::Csv, text.as_bytes())
    }

    fn markdown(text: &str) -> Result<Vec<KnowledgeFields>, ImportError> {
        parse(Format::Markdown, text.as_bytes())
    }

    #[test]
    fn content_types_pick_the_format() {
        assert_eq!(
            Format::from_content_type("text/csv; charset=utf-8"),
            Some(Format::Csv)
        );
        assert_eq!(
            Format::from_content_type("Text/Markdown"),
            Some(Format::Markdown)
        );
        assert_eq!(Format::from_content_type("application/json"), None);
    }

    #[test]
    fn csv_reads_quoted_commas_newlines_a_bom_and_the_title_alias() {
        let text = "\u{feff}Title,Answer,Keywords\n\
                    \"Refunds, returns?\",\"Within 30 days.\nEmail us.\",\"refund, return\"\n\
                    \n\
                    Shipping?,Two days.,\n";
        let entries = csv(text).expect("valid");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].question, "Refunds, returns?");
        assert_eq!(entries[0].answer, "Within 30 days.\nEmail us.");
        assert_eq!(entries[0].keywords, "refund, return");
        assert_eq!(entries[1].keywords, "");
    }

    #[test]
    fn csv_names_the_bad_row_as_a_spreadsheet_numbers_it() {
        let text = "question,answer\nA?,Yes\nB?,\n";
        assert_eq!(
            csv(text).expect_err("empty answer").0,
            "row 3: the answer is empty"
        );
        let missing = csv("question,keywords\nA?,a\n").expect_err("no answer column");
        assert!(missing.0.contains("answer"), "{missing}");
    }

    #[test]
    fn csv_and_markdown_refuse_empty_files_and_too_many_entries() {
        assert!(csv("").is_err());
        assert!(csv("question,answer\n").is_err());
        let mut many = String::from("question,answer\n");
        for i in 0..=MAX_IMPORT_ENTRIES {
            many.push_str(&format!("Q{i}?,A{i}\n"));
        }
        assert!(csv(&many).expect_err("too many").0.contains("1000"));
        assert!(markdown("# Just a title\n").is_err());
    }

    #[test]
    fn markdown_makes_one_entry_per_level_two_heading() {
        let text =
            "# FAQ\nIntro text.\n\n## Refunds?\nWithin 30 days.\n\nKeywords: refund, money back\n\
                    ## Shipping ##\nTwo days.\n### Abroad\nFive days.\n\
                    ## Code?\n```\n## not a heading\n```\n";
        let entries = markdown(text).expect("valid");
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].question, "Refunds?");
        assert_eq!(entries[0].answer, "Within 30 days.");
        assert_eq!(entries[0].keywords, "refund, money back");
        assert_eq!(entries[1].question, "Shipping");
        assert_eq!(entries[1].answer, "Two days.\n### Abroad\nFive days.");
        assert!(entries[2].answer.contains("## not a heading"));
    }

    #[test]
    fn markdown_names_the_line_of_a_bad_section() {
        let err = markdown("## A?\nYes.\n\n## B?\n\n").expect_err("empty answer");
        assert_eq!(err.0, "line 4: the answer is empty");
        let err = markdown("##\nAnswer\n").expect_err("empty question");
        assert_eq!(err.0, "line 1: the question is empty");
    }

    #[test]
    fn files_that_are_not_utf8_or_hold_control_characters_are_refused() {
        assert!(parse(Format::Csv, b"question,answer\nA?,\xff\n").is_err());
        let err = csv("question,answer\nA?,B\u{0}\n").expect_err("nul");
        assert!(err.0.starts_with("row 2:"), "{err}");
    }
}
