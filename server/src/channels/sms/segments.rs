//! SMS segmenting: which encoding a text needs and how it splits into the parts a carrier
//! delivers, so the inbox can show "N segments" before an agent sends and the server can split
//! long replies itself. A text whose every character is in the GSM 03.38 default alphabet (or
//! its extension table) goes as GSM-7: 160 septets in one message, 153 per part once it needs
//! several (the other 7 carry the concatenation header); the extension characters
//! `^ { } \ [ ~ ] |` `€` and form feed take two septets each (an escape and the character), and
//! a pair is never split between parts. Any other character makes the whole text UCS-2: 70
//! UTF-16 code units in one message, 67 per part, never splitting a surrogate pair (emoji).

/// The character set a text is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// GSM 03.38 7-bit default alphabet (with its extension table).
    Gsm7,
    /// UCS-2 (UTF-16 code units, as carriers and providers count them).
    Ucs2,
}

impl Encoding {
    /// How many units (septets, or UTF-16 code units) fit in a single, unsplit message.
    pub fn single_limit(self) -> usize {
        match self {
            Encoding::Gsm7 => 160,
            Encoding::Ucs2 => 70,
        }
    }

    /// How many units fit in each part of a concatenated message.
    pub fn part_limit(self) -> usize {
        match self {
            Encoding::Gsm7 => 153,
            Encoding::Ucs2 => 67,
        }
    }

    /// The units `c` takes in this encoding, or `None` when GSM-7 cannot carry it.
    pub fn units(self, c: char) -> Option<usize> {
        match self {
            Encoding::Gsm7 => gsm7_septets(c),
            Encoding::Ucs2 => Some(c.len_utf16()),
        }
    }
}

/// A text split into the parts it will be sent as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segmented {
    pub encoding: Encoding,
    /// The parts, in order; concatenated they give back the text exactly. Empty for an empty
    /// text: there is nothing to send.
    pub parts: Vec<String>,
}

/// The GSM 03.38 default alphabet, in code order (0x1B, the escape to the extension table, is
/// not a character of its own and is left out).
const GSM7_BASIC: &str = concat!(
    "@£$¥èéùìòÇ\nØø\rÅå",
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ",
    " !\"#¤%&'()*+,-./",
    "0123456789:;<=>?",
    "¡ABCDEFGHIJKLMNO",
    "PQRSTUVWXYZÄÖÑÜ§",
    "¿abcdefghijklmno",
    "pqrstuvwxyzäöñüà",
);

/// The extension table characters reachable from the default alphabet by an escape: two septets
/// each. `\u{c}` is form feed (the "page break" of 03.38).
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// The septets `c` takes in GSM-7: 1 for the default alphabet, 2 for the extension table, `None`
/// when GSM-7 cannot carry it.
#[must_use]
pub fn gsm7_septets(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// The encoding `text` needs: GSM-7 when every character is in the GSM alphabet, else UCS-2.
/// An empty text is GSM-7.
#[must_use]
pub fn encoding_of(text: &str) -> Encoding {
    if text.chars().all(|c| gsm7_septets(c).is_some()) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

/// Splits `text` into the parts it is sent as. A text that fits in one message is one part;
/// otherwise parts of at most 153 septets (GSM-7) or 67 UTF-16 units (UCS-2). A part ends at
/// whitespace (which stays at the end of that part) when there is whitespace in its last fifth;
/// otherwise it is filled as far as it goes. An escape pair or a surrogate pair is never split.
/// An empty text gives zero parts.
#[must_use]
pub fn segment(text: &str) -> Segmented {
    let encoding = encoding_of(text);
    Segmented {
        encoding,
        parts: split(text, encoding, true)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }
}

/// The encoding and the number of segments a provider bills when `text` is sent as one message
/// (it splits greedily, without looking for word boundaries): for the "N segments" hint in the
/// compose box. Zero for an empty text. This can be one less than `segment(text).parts.len()`,
/// whose word-boundary splits may leave room unused.
#[must_use]
pub fn count(text: &str) -> (Encoding, usize) {
    let encoding = encoding_of(text);
    (encoding, split(text, encoding, false).len())
}

/// The parts of `text` in `encoding` (which must be able to carry every character; UCS-2 always
/// can, and a character GSM-7 cannot carry counts as two septets so the split still terminates).
fn split(text: &str, encoding: Encoding, prefer_whitespace: bool) -> Vec<&str> {
    let units = |c: char| encoding.units(c).unwrap_or(2);
    let total: usize = text.chars().map(units).sum();
    if text.is_empty() {
        return Vec::new();
    }
    if total <= encoding.single_limit() {
        return vec![text];
    }
    let limit = encoding.part_limit();
    // A whitespace break is taken when the part would be at least four fifths full.
    let min_break = limit - limit / 5;
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut used = 0;
        let mut end = rest.len();
        let mut last_break: Option<(usize, usize)> = None;
        for (i, c) in rest.char_indices() {
            let w = units(c);
            if used + w > limit {
                end = i;
                break;
            }
            used += w;
            if c.is_whitespace() {
                last_break = Some((i + c.len_utf8(), used));
            }
        }
        if end < rest.len() && prefer_whitespace {
            if let Some((at, used_there)) = last_break {
                if used_there >= min_break {
                    end = at;
                }
            }
        }
        if end == 0 {
            // Unreachable (every character fits in an empty part), but never loop forever.
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let Some((head, tail)) = rest.split_at_checked(end) else {
            parts.push(rest);
            break;
        };
        parts.push(head);
        rest = tail;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn units_of(part: &str, encoding: Encoding) -> usize {
        part.chars().map(|c| encoding.units(c).unwrap()).sum()
    }

    #[test]
    fn alphabet_tables_are_complete() {
        assert_eq!(GSM7_BASIC.chars().count(), 127);
        assert_eq!(GSM7_EXTENSION.chars().count(), 10);
        for c in GSM7_EXTENSION.chars() {
            assert!(!GSM7_BASIC.contains(c), "{c:?} in both tables");
        }
        for c in [
            '@', '£', 'Δ', 'ß', 'É', 'ñ', 'à', '§', '¿', '¡', '\n', '\r', ' ',
        ] {
            assert_eq!(gsm7_septets(c), Some(1), "{c:?}");
        }
        for c in ['^', '{', '}', '\\', '[', '~', ']', '|', '€', '\u{c}'] {
            assert_eq!(gsm7_septets(c), Some(2), "{c:?}");
        }
        for c in [
            'ç', 'á', 'ő', 'Ж', 'ω', '中', '😀', '\t', '`', '\u{1b}', '\u{0}',
        ] {
            assert_eq!(gsm7_septets(c), None, "{c:?}");
        }
    }

    #[test]
    fn empty_text_has_no_parts() {
        let s = segment("");
        assert_eq!(s.encoding, Encoding::Gsm7);
        assert!(s.parts.is_empty());
        assert_eq!(count(""), (Encoding::Gsm7, 0));
    }

    #[test]
    fn gsm_single_message_boundary() {
        let t = "a".repeat(160);
        let s = segment(&t);
        assert_eq!(s.encoding, Encoding::Gsm7);
        assert_eq!(s.parts, vec![t.clone()]);
        assert_eq!(count(&t), (Encoding::Gsm7, 1));

        let t = "a".repeat(161);
        let s = segment(&t);
        assert_eq!(s.parts.len(), 2);
        assert_eq!(s.parts[0].len(), 153);
        assert_eq!(s.parts[1].len(), 8);
        assert_eq!(count(&t), (Encoding::Gsm7, 2));
    }

    #[test]
    fn gsm_extension_chars_count_double() {
        // 80 euro signs are 160 septets: one message. 81 are 162: two parts.
        let t = "€".repeat(80);
        assert_eq!(count(&t), (Encoding::Gsm7, 1));
        let t = "€".repeat(81);
        let s = segment(&t);
        assert_eq!(s.parts.len(), 2);
        // 153 is odd, so the first part holds 76 (152 septets), never half a pair.
        assert_eq!(s.parts[0].chars().count(), 76);
        assert_eq!(s.parts[1].chars().count(), 5);
        assert_eq!(count(&t), (Encoding::Gsm7, 2));
    }

    #[test]
    fn escape_pair_at_the_part_boundary_moves_whole() {
        // 152 plain septets then '{' (2 septets) would need septets 153 and 154.
        let t = format!("{}{{{}", "a".repeat(152), "b".repeat(20));
        let s = segment(&t);
        assert_eq!(s.encoding, Encoding::Gsm7);
        assert_eq!(s.parts[0], "a".repeat(152));
        assert!(s.parts[1].starts_with('{'));
        assert_eq!(s.parts.concat(), t);
        // With 151 plain septets the pair fits exactly at 152..153.
        let t = format!("{}{{{}", "a".repeat(151), "b".repeat(20));
        let s = segment(&t);
        assert_eq!(s.parts[0], format!("{}{{", "a".repeat(151)));
        assert_eq!(units_of(&s.parts[0], Encoding::Gsm7), 153);
    }

    #[test]
    fn ucs2_single_message_boundary() {
        let t = "ж".repeat(70);
        assert_eq!(segment(&t).parts, vec![t.clone()]);
        assert_eq!(count(&t), (Encoding::Ucs2, 1));

        let t = "ж".repeat(71);
        let s = segment(&t);
        assert_eq!(s.encoding, Encoding::Ucs2);
        assert_eq!(s.parts.len(), 2);
        assert_eq!(s.parts[0].chars().count(), 67);
        assert_eq!(s.parts[1].chars().count(), 4);
        assert_eq!(count(&t), (Encoding::Ucs2, 2));
    }

    #[test]
    fn one_non_gsm_char_makes_everything_ucs2() {
        let t = format!("{}ç", "a".repeat(69));
        assert_eq!(count(&t), (Encoding::Ucs2, 1));
        let t = format!("{}ç", "a".repeat(70));
        assert_eq!(count(&t), (Encoding::Ucs2, 2));
        // Extension characters are one UTF-16 unit each in UCS-2.
        let t = format!("{}😀", "€".repeat(68));
        assert_eq!(count(&t), (Encoding::Ucs2, 1));
    }

    #[test]
    fn emoji_at_the_part_boundary_moves_whole() {
        // 66 units then an emoji (a surrogate pair) would need units 67 and 68.
        let t = format!("{}😀{}", "a".repeat(66), "b".repeat(10));
        let s = segment(&t);
        assert_eq!(s.encoding, Encoding::Ucs2);
        assert_eq!(s.parts[0], "a".repeat(66));
        assert!(s.parts[1].starts_with('😀'));
        assert_eq!(s.parts.concat(), t);
        // With 65 units before it, the emoji fits exactly.
        let t = format!("{}😀{}", "a".repeat(65), "b".repeat(10));
        let s = segment(&t);
        assert_eq!(s.parts[0], format!("{}😀", "a".repeat(65)));
        assert_eq!(units_of(&s.parts[0], Encoding::Ucs2), 67);
        // 70 units of emoji (35) fit in one message; 36 need two parts of 33 + 3.
        assert_eq!(count(&"😀".repeat(35)), (Encoding::Ucs2, 1));
        let s = segment(&"😀".repeat(36));
        assert_eq!(s.parts.len(), 2);
        assert_eq!(s.parts[0].chars().count(), 33);
    }

    #[test]
    fn prefers_whitespace_in_the_last_fifth() {
        // 20 words of 9 letters and a space: 200 septets. The first part would be full at
        // septet 153, three letters into the 16th word; the break after the 15th word, at
        // septet 150, is within the last fifth, so the part ends there.
        let word = "abcdefghi ";
        let t = word.repeat(20);
        let s = segment(&t);
        assert_eq!(s.parts[0], word.repeat(15));
        assert!(s.parts.iter().all(|p| units_of(p, Encoding::Gsm7) <= 153));
        assert_eq!(s.parts.concat(), t);
        assert!(s.parts[0].ends_with(' '));
        assert!(!s.parts[1].starts_with(' '));
    }

    #[test]
    fn hard_splits_when_the_only_space_is_early() {
        let t = format!("ab {}", "c".repeat(200));
        let s = segment(&t);
        assert_eq!(s.parts[0].len(), 153);
        assert_eq!(s.parts.concat(), t);
        // A space just before the four-fifths mark (septet 122 of 153) is not used either.
        let t = format!("{} {}", "a".repeat(121), "b".repeat(100));
        let s = segment(&t);
        assert_eq!(s.parts[0].len(), 153);
        // ...but one at it is.
        let t = format!("{} {}", "a".repeat(122), "b".repeat(100));
        let s = segment(&t);
        assert_eq!(s.parts[0], format!("{} ", "a".repeat(122)));
    }

    #[test]
    fn newlines_count_as_break_points() {
        let t = format!("{}\n{}", "a".repeat(140), "b".repeat(100));
        let s = segment(&t);
        assert_eq!(s.parts[0], format!("{}\n", "a".repeat(140)));
        assert_eq!(s.parts.concat(), t);
    }

    #[test]
    fn count_is_the_greedy_split() {
        // Word breaks can cost a part: 3 parts with breaks, 2 when filled greedily.
        let word = format!("{} ", "a".repeat(129));
        let t = format!("{word}{word}{}", "b".repeat(40));
        assert_eq!(t.len(), 300);
        assert_eq!(count(&t), (Encoding::Gsm7, 2));
        assert_eq!(segment(&t).parts.len(), 3);
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a", "Z", "0", " ", " ", "\n", ".", "é", "€", "{", "^", "\\", "ç", "ж", "中", "😀",
            "👍🏽", "\r\n", "\t",
        ]);
        prop::collection::vec(pieces, 0..600).prop_map(|v| v.concat())
    }

    fn gsm_text_strategy() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec!["a", "B", " ", "\n", "€", "[", "|", "@", "ñ"]);
        prop::collection::vec(pieces, 0..600).prop_map(|v| v.concat())
    }

    fn check(text: &str) {
        let s = segment(text);
        assert_eq!(s.parts.concat(), text);
        assert_eq!(s.encoding, encoding_of(text));
        let total: usize = text.chars().map(|c| s.encoding.units(c).unwrap()).sum();
        if text.is_empty() {
            assert!(s.parts.is_empty());
        } else if total <= s.encoding.single_limit() {
            assert_eq!(s.parts, vec![text.to_owned()]);
        } else {
            for part in &s.parts {
                assert!(!part.is_empty());
                assert!(units_of(part, s.encoding) <= s.encoding.part_limit());
            }
        }
        let (enc, n) = count(text);
        assert_eq!(enc, s.encoding);
        assert!(n <= s.parts.len());
        // The greedy count is the smallest possible: ceil(total / limit) is a lower bound, and
        // only pairs straddling a boundary can add to it.
        if total > s.encoding.single_limit() {
            assert!(n >= total.div_ceil(s.encoding.part_limit()));
        }
    }

    proptest! {
        #[test]
        fn parts_concatenate_to_the_text(text in text_strategy()) {
            check(&text);
        }

        #[test]
        fn gsm_parts_concatenate_to_the_text(text in gsm_text_strategy()) {
            prop_assert_eq!(encoding_of(&text), Encoding::Gsm7);
            check(&text);
        }

        #[test]
        fn arbitrary_unicode_never_panics(text in any::<String>()) {
            check(&text);
        }
    }
}
