//! The repository is complete for a user: the licences Cargo.toml declares, and the contract the
//! suite checks (docs/CONTRACT.md), in step with cases/rules.json and with every reference to it.

use std::collections::BTreeSet;
use std::path::Path;

use regex::Regex;

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn both_declared_licences_are_shipped() {
    let manifest = read("Cargo.toml");
    assert!(
        manifest.contains("\nlicense = \"MIT OR Apache-2.0\"\n"),
        "Cargo.toml declares both licences"
    );
    let mit = read("LICENSE-MIT");
    assert!(mit.contains("Permission is hereby granted, free of charge"));
    let apache = read("LICENSE-APACHE");
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0, January 2004"));
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
}

/// The rule ids docs/CONTRACT.md defines: the first cell of a table row, the start of a list item
/// (`- B1 …`, `- **O14** …`), or a bold paragraph head (`**SH1 Session document**`).
fn defined_in_contract(text: &str) -> BTreeSet<String> {
    let id = r"([A-Z]{1,2}[0-9]+(?:\.[a-z])?)";
    let forms = [
        format!(r"^\| {id} \|"),
        format!(r"^- {id}[ :]"),
        format!(r"^- \*\*{id}\*\*"),
        format!(r"^\*\*{id}[ *]"),
    ];
    let forms: Vec<Regex> = forms
        .iter()
        .map(|f| Regex::new(f).expect("regex"))
        .collect();
    text.lines()
        .filter_map(|line| forms.iter().find_map(|re| re.captures(line)))
        .map(|c| c[1].to_string())
        .collect()
}

fn rule_ids() -> BTreeSet<String> {
    let rules: serde_json::Value = serde_json::from_str(&read("cases/rules.json")).expect("JSON");
    rules["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

/// An id the contract defines is a rule, or the heading of lettered rules (`H1` of `H1.a`…).
fn is_rule_or_group(id: &str, rules: &BTreeSet<String>) -> bool {
    rules.contains(id) || rules.iter().any(|r| r.starts_with(&format!("{id}.")))
}

#[test]
fn the_contract_and_rules_json_define_the_same_rules() {
    let contract = read("docs/CONTRACT.md");
    let defined = defined_in_contract(&contract);
    let rules = rule_ids();
    assert!(rules.len() > 40, "{rules:?}");
    let undocumented: Vec<&String> = rules.difference(&defined).collect();
    assert!(
        undocumented.is_empty(),
        "rules of cases/rules.json that docs/CONTRACT.md does not define: {undocumented:?}"
    );
    let unknown: Vec<&String> = defined
        .iter()
        .filter(|id| !is_rule_or_group(id, &rules))
        .collect();
    assert!(
        unknown.is_empty(),
        "rules docs/CONTRACT.md defines that cases/rules.json lacks: {unknown:?}"
    );
}

#[test]
fn the_definitions_are_read_where_the_contract_writes_them() {
    let sample = "| O1 | session exists |\n- H1.a valid: `104`\n- **O14** `Content-Location`\n\
                  **SH1 Session document** (O1)\n- [S1] a source\nsee O7 and B2\n";
    let found: Vec<String> = defined_in_contract(sample).into_iter().collect();
    assert_eq!(found, ["H1.a", "O1", "O14", "SH1"]);
}

#[test]
fn every_reference_to_the_contract_resolves() {
    let contract = read("docs/CONTRACT.md");
    let sections: BTreeSet<u32> = Regex::new(r"(?m)^## ([0-9]+)\.")
        .expect("regex")
        .captures_iter(&contract)
        .map(|c| c[1].parse().expect("number"))
        .collect();
    let defined = defined_in_contract(&contract);
    let section_ref = Regex::new(r"CONTRACT\.md §([0-9]+)(?:–§([0-9]+))?").expect("regex");
    let rule_ref =
        Regex::new(r"CONTRACT\.md ((?:[A-Z]{1,2}[0-9]+(?:\.[a-z])?(?:, )?)+)").expect("regex");
    let mut files = Vec::new();
    for dir in ["src", "tests", "cases/schemas"] {
        collect(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    }
    let mut checked = 0;
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if file.ends_with("repository.rs") {
            continue;
        }
        for c in section_ref.captures_iter(&text) {
            for n in [c.get(1), c.get(2)].into_iter().flatten() {
                let n: u32 = n.as_str().parse().expect("number");
                assert!(sections.contains(&n), "{}: §{n}", file.display());
                checked += 1;
            }
        }
        for c in rule_ref.captures_iter(&text) {
            for id in c[1].split(", ") {
                assert!(defined.contains(id), "{}: {id}", file.display());
                checked += 1;
            }
        }
    }
    assert!(checked > 5, "references found: {checked}");
    let readme = read("README.md");
    assert!(
        readme.contains("docs/CONTRACT.md"),
        "README points at the contract"
    );
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
