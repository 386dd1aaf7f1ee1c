//! Rust names from spec names: acronym-aware word splitting, keywords, and clash handling.

/// Tokens kept as one word even though their case pattern would split them.
const WHOLE_WORDS: &[&str] = &["IOps", "eTag", "timeOut", "TimeOut", "GiB", "MiB", "KiB", "TiB", "PiB", "IDs", "URLs", "URIs", "OData", "ETag", "ETags", "IPv4", "IPv6"];

/// Splits a spec name into lowercase words: `readIOGiB` -> `read io gib`,
/// `userCPUTime` -> `user cpu time`, `odata.nextLink` -> `odata next link`.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in name.split(|c: char| !c.is_alphanumeric()).filter(|c| !c.is_empty()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if let Some(w) = whole_word_at(&chars, i) {
                out.push(w.to_ascii_lowercase());
                i += w.chars().count();
                continue;
            }
            let start = i;
            let c = chars[i];
            if c.is_ascii_digit() {
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                // digits stick to the word before them: `sha256`, `ipv4`, `int32`
                let digits: String = chars[start..i].iter().collect();
                match out.last_mut() {
                    Some(last) if start > 0 => last.push_str(&digits),
                    _ => out.push(digits),
                }
                continue;
            }
            if c.is_uppercase() {
                i += 1;
                if i < chars.len() && chars[i].is_lowercase() {
                    while i < chars.len() && chars[i].is_lowercase() && whole_word_at(&chars, i).is_none() {
                        i += 1;
                    }
                } else {
                    // An acronym run: ends before an uppercase letter that starts a lowercase word,
                    // or before a whole word.
                    while i < chars.len() && chars[i].is_uppercase() && whole_word_at(&chars, i).is_none() {
                        if i + 1 < chars.len() && chars[i + 1].is_lowercase() {
                            break;
                        }
                        i += 1;
                    }
                }
            } else {
                while i < chars.len() && !chars[i].is_uppercase() && !chars[i].is_ascii_digit() && whole_word_at(&chars, i).is_none() {
                    i += 1;
                }
                if i == start {
                    i += 1;
                }
            }
            let w: String = chars[start..i].iter().collect();
            out.push(w.to_lowercase());
        }
    }
    out
}

fn whole_word_at(chars: &[char], i: usize) -> Option<&'static str> {
    WHOLE_WORDS.iter().copied().find(|w| {
        let wc: Vec<char> = w.chars().collect();
        let end = i + wc.len();
        end <= chars.len() && chars[i..end] == wc[..] && (end == chars.len() || !chars[end].is_lowercase())
    })
}

/// `readIOps` -> `read_iops`.
pub fn snake(name: &str) -> String {
    let s = words(name).join("_");
    if s.is_empty() {
        "value".to_string()
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{s}")
    } else {
        s
    }
}

/// `userCPUTime` -> `UserCpuTime`.
pub fn pascal(name: &str) -> String {
    let s: String = words(name)
        .iter()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect();
    if s.is_empty() {
        "Value".to_string()
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{s}")
    } else {
        s
    }
}

/// Words that cannot be identifiers as they are.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Whether `ident` must be written as a raw identifier (or renamed, for the few that cannot be raw).
pub fn is_keyword(ident: &str) -> bool {
    KEYWORDS.contains(&ident)
}

/// Keywords that `r#` cannot escape.
pub fn cannot_be_raw(ident: &str) -> bool {
    matches!(ident, "self" | "Self" | "super" | "crate" | "_")
}

/// Type names that would shadow what generated code uses by its short name.
pub fn is_reserved_type_name(name: &str) -> bool {
    matches!(
        name,
        "Option" | "Result" | "Vec" | "String" | "Box" | "HashMap" | "Value" | "Response" | "Pager" | "Url" | "Request" | "Method" | "OffsetDateTime" | "Duration" | "Uuid" | "Error" | "Default" | "Clone" | "Debug" | "Serialize" | "Deserialize" | "Some" | "None" | "Ok" | "Err" | "Self"
    )
}

/// Assigns distinct names: the first owner of a name keeps it, later ones get `2`, `3`, ...
/// (or `_2` for snake names). Returns the final names and the `(original, renamed)` pairs.
pub fn dedupe(names: &[String], snake_style: bool) -> (Vec<String>, Vec<(usize, String, String)>) {
    let mut taken = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(names.len());
    let mut renames = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let mut candidate = n.clone();
        let mut k = 2;
        while !taken.insert(candidate.clone()) {
            candidate = if snake_style { format!("{n}_{k}") } else { format!("{n}{k}") };
            k += 1;
        }
        if &candidate != n {
            renames.push((i, n.clone(), candidate.clone()));
        }
        out.push(candidate);
    }
    (out, renames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms() {
        assert_eq!(snake("readIOps"), "read_iops");
        assert_eq!(snake("readIOGiB"), "read_io_gib");
        assert_eq!(snake("userCPUTime"), "user_cpu_time");
        assert_eq!(snake("odata.nextLink"), "odata_next_link");
        assert_eq!(snake("eTag"), "etag");
        assert_eq!(snake("ETag"), "etag");
        assert_eq!(snake("OSDisk"), "os_disk");
        assert_eq!(snake("ipv4Address"), "ipv4_address");
        assert_eq!(snake("sha256Thumbprint"), "sha256_thumbprint");
        assert_eq!(snake("numberOfIOps"), "number_of_iops");
        assert_eq!(snake("client-request-id"), "client_request_id");
        assert_eq!(snake("$select"), "select");
        assert_eq!(snake("maxresults"), "maxresults");
        assert_eq!(snake("timeOut"), "timeout");
        assert_eq!(snake("HTTPSUrl"), "https_url");
        assert_eq!(pascal("userCPUTime"), "UserCpuTime");
        assert_eq!(pascal("BatchTaskIDs"), "BatchTaskIds");
        assert_eq!(pascal("a-b"), "AB");
        assert_eq!(pascal("a_b"), "AB");
        assert_eq!(pascal("Standard_LRS"), "StandardLrs");
        assert_eq!(pascal("1.0"), "V10");
        assert_eq!(snake("Tasks_GetTask"), "tasks_get_task");
        assert_eq!(snake("winRM"), "win_rm");
        assert_eq!(snake("ephemeralOSDiskSettings"), "ephemeral_os_disk_settings");
    }

    #[test]
    fn dedupe_keeps_first() {
        let (names, renames) = dedupe(&["a".into(), "b".into(), "a".into()], true);
        assert_eq!(names, vec!["a", "b", "a_2"]);
        assert_eq!(renames, vec![(2, "a".to_string(), "a_2".to_string())]);
    }
}
