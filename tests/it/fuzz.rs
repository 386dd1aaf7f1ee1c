//! Mutation fuzzing of the generator: real specs are mutated at random (structure and text) and
//! run through the whole pipeline. Nothing may panic, and every rejection must name the file and
//! a JSON pointer. Bounded in count and time; `FUZZ_ITERATIONS` and `FUZZ_SECONDS` raise the
//! bounds for a longer run (`FUZZ_SECONDS=600 cargo test -p batch-tests --test it fuzz`);
//! `FUZZ_SEED` picks another sequence of mutations.

use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn seeds() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<PathBuf> = std::fs::read_dir(root.join("fixtures"))
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Pointers of every node, for picking a mutation site.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                pointers(c, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

const ODD_VALUES: &[&str] = &[
    "null", "true", "0", "-1", "1e308", "\"\"", "\"string\"", "[]", "{}", "[1, \"a\", null]",
    "{\"$ref\": \"#/definitions/Nowhere\"}", "{\"$ref\": \"./missing.yaml#/x\"}", "{\"$ref\": 7}",
    "{\"type\": \"quaternion\"}", "{\"type\": \"array\"}", "{\"type\": [\"string\", \"null\"]}",
    "{\"enum\": [1, null, \"a-b\", \"a_b\"]}", "{\"allOf\": [{\"$ref\": \"#\"}]}", "{\"additionalProperties\": 5}",
    "{\"x-ms-enum\": {\"name\": 3}}", "{\"in\": \"body\"}", "{\"in\": \"sideways\", \"name\": \"x\"}",
];

fn mutate_structure(v: &mut Value, rng: &mut Rng) {
    let mut all = Vec::new();
    pointers(v, String::new(), &mut all);
    let target = all[rng.below(all.len())].clone();
    let Some(node) = v.pointer_mut(&target) else { return };
    match rng.below(4) {
        0 => *node = serde_json::from_str(ODD_VALUES[rng.below(ODD_VALUES.len())]).expect("valid odd value"),
        1 => {
            if let Value::Object(m) = node {
                if !m.is_empty() {
                    let k = m.keys().nth(rng.below(m.len())).cloned().expect("key");
                    m.remove(&k);
                }
            }
        }
        2 => {
            if let Value::Object(m) = node {
                let key = ["$ref", "type", "items", "properties", "required", "enum", "allOf", "x-ms-pageable", "operationId", "parameters"][rng.below(10)];
                m.insert(key.to_string(), serde_json::from_str(ODD_VALUES[rng.below(ODD_VALUES.len())]).expect("odd"));
            }
        }
        _ => {
            // Duplicate a subtree somewhere else (also creates duplicate operationIds).
            let copy = node.clone();
            let other = all[rng.below(all.len())].clone();
            if let Some(Value::Object(m)) = v.pointer_mut(&other) {
                m.insert(format!("copy{}", rng.below(1000)), copy);
            }
        }
    }
}

fn mutate_text(text: &str, rng: &mut Rng) -> String {
    let bytes = text.as_bytes();
    let cut = rng.below(bytes.len() + 1);
    let mut out = String::from_utf8_lossy(&bytes[..cut]).to_string();
    match rng.below(3) {
        0 => {}
        1 => out.push_str(["{", "]", ": :", "\t- x", "\"unterminated", "&anchor", "*alias", "%YAML 9"][rng.below(8)]),
        _ => out.push_str(&String::from_utf8_lossy(&bytes[cut.min(bytes.len())..]).replacen(':', "", 1)),
    }
    out
}

#[test]
fn mutated_specs_never_panic_and_every_rejection_says_where() {
    let iterations = env_number("FUZZ_ITERATIONS", 400);
    let budget = Duration::from_secs(env_number("FUZZ_SECONDS", 20));
    let mut rng = Rng(env_number("FUZZ_SEED", 0x9E37_79B9_7F4A_7C15).max(1));
    let dir = std::env::temp_dir().join(format!("codegen-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let seeds = seeds();
    let started = Instant::now();
    let (mut ran, mut rejected) = (0u64, 0u64);
    while ran < iterations && started.elapsed() < budget {
        let seed = &seeds[rng.below(seeds.len())];
        let text = std::fs::read_to_string(seed).expect("seed");
        let is_json = seed.extension().is_some_and(|e| e == "json");
        let (name, mutated) = if rng.below(3) == 0 {
            ("text", mutate_text(&text, &mut rng))
        } else {
            let mut v: Value = if is_json { serde_json::from_str(&text).expect("seed JSON") } else { serde_yaml::from_str(&text).expect("seed YAML") };
            for _ in 0..=rng.below(3) {
                mutate_structure(&mut v, &mut rng);
            }
            let out = if is_json || rng.below(2) == 0 { serde_json::to_string_pretty(&v).expect("json") } else { serde_yaml::to_string(&v).expect("yaml") };
            ("structure", out)
        };
        let file = dir.join(format!("case-{ran}.{}", if is_json { "json" } else { "yaml" }));
        std::fs::write(&file, &mutated).expect("write case");
        let outcome = catch_unwind(AssertUnwindSafe(|| codegen::generate(&file)));
        match outcome {
            Err(_) => panic!("the generator panicked on a {name} mutation of {}; input kept at {}", seed.display(), file.display()),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                rejected += 1;
                let msg = e.to_string();
                assert!(msg.contains(&file.display().to_string()), "rejection does not name the file: {msg}");
                if let codegen::Error::Spec { location, .. } = &e {
                    assert!(msg.contains("(at /"), "rejection has no JSON pointer: {msg}");
                    assert!(location.line_col.is_some(), "rejection has no line:col: {msg}");
                }
            }
        }
        let _ = std::fs::remove_file(&file);
        ran += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("fuzz: {ran} mutated specs in {:.1?}, {rejected} rejected with a located error, 0 panics", started.elapsed());
    assert!(ran >= 50.min(iterations), "too few cases ran ({ran}) within the time budget");
}
