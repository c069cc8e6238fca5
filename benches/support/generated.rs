//! Generated workloads the benches share: N copies of the catalog's join case (fixture session +
//! invite handle, caller b joins through R1, its checks and the oracle's read-backs, then
//! teardown), and the equivalent Hurl files.
// Each bench uses part of this file.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Requests of a Hurl file with teardown: create, handle, join, b leaves, a leaves, delete handle.
/// The harness sends more for the same case (the oracle reads back what it wrote): the benches
/// count those on a run of one case, they do not assume them.
pub const REQUESTS_PER_CASE: u64 = 6;

/// The catalog's shared files, and `count` copies of `body/join.json` under `bench/`.
pub fn generate_cases(catalog: &Path, dir: &Path, count: usize) -> Result<(), String> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    std::fs::create_dir_all(dir.join("schemas")).map_err(|e| io("create the case dir", e))?;
    for name in ["suite.json", "rules.json", "case.schema.json"] {
        std::fs::copy(catalog.join(name), dir.join(name)).map_err(|e| io(name, e))?;
    }
    for entry in std::fs::read_dir(catalog.join("schemas")).map_err(|e| io("schemas", e))? {
        let path = entry.map_err(|e| io("schemas", e))?.path();
        if let Some(name) = path.file_name() {
            std::fs::copy(&path, dir.join("schemas").join(name)).map_err(|e| io("schema", e))?;
        }
    }
    let join = std::fs::read(catalog.join("body/join.json")).map_err(|e| io("join.json", e))?;
    let area = dir.join("bench");
    std::fs::create_dir_all(&area).map_err(|e| io("create the area", e))?;
    for i in 0..count {
        std::fs::write(area.join(format!("join-{i:05}.json")), &join)
            .map_err(|e| io("write a case", e))?;
    }
    Ok(())
}

/// Requests of one Hurl file: create, handle, join; and with `teardown`, what the harness's
/// teardown sends too (b leaves, a leaves, the handle is deleted).
pub fn hurl_requests(teardown: bool) -> u64 {
    if teardown {
        REQUESTS_PER_CASE
    } else {
        3
    }
}

pub const SCID: &str = "8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f40";
pub const AUTH_A: &str = "XBL3.0 x=2533274790395904;mpsdc-token-a-0f3c9b";
pub const AUTH_B: &str = "XBL3.0 x=2533274790395905;mpsdc-token-b-7d21e4";

/// Writes `count` Hurl files into `dir`, each creating a session, an invite handle to it, and
/// joining it as caller b with the join case's checks. `{{target}}` is a Hurl variable.
pub fn write_hurl_files(dir: &Path, count: usize, teardown: bool) -> Result<Vec<PathBuf>, String> {
    write_hurl(dir, count, teardown, false)
}

/// Requests of a Hurl file that sends what the harness sends for the join case: the 6 of
/// [`REQUESTS_PER_CASE`] and the oracle's 3 read-backs (the handle after its creation, the
/// session by handle and by name after the join).
pub const REQUESTS_AS_HARNESS: u64 = 9;

/// Hurl files that send the harness's 9 requests of the join case, in its order: the same work,
/// where [`write_hurl_files`] leaves out the read-backs (and, without teardown, the teardown).
pub fn write_hurl_files_as_harness(dir: &Path, count: usize) -> Result<Vec<PathBuf>, String> {
    write_hurl(dir, count, true, true)
}

fn write_hurl(
    dir: &Path,
    count: usize,
    teardown: bool,
    read_backs: bool,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let mut files = Vec::with_capacity(count);
    for i in 0..count {
        // Each kind of file its own sessions: a bench may run both against one server.
        let kind = match (teardown, read_backs) {
            (_, true) => "same",
            (true, false) => "torn",
            (false, false) => "plain",
        };
        let session = format!("hurl-bench-{kind}-{i:05}-{}", std::process::id());
        let session_url = format!(
            "{{{{target}}}}/serviceconfigs/{SCID}/sessionTemplates/lobby/sessions/{session}"
        );
        let get = |url: &str| {
            format!("\nGET {url}\nX-Xbl-Contract-Version: 107\nAuthorization: {AUTH_A}\nHTTP 200\n")
        };
        let (handle_read, session_reads) = if read_backs {
            (
                get("{{target}}/handles/{{handle}}"),
                get("{{target}}/handles/{{handle}}/session") + &get(&session_url),
            )
        } else {
            (String::new(), String::new())
        };
        let mut text = format!(
            r#"PUT {session_url}
X-Xbl-Contract-Version: 107
Authorization: {AUTH_A}
If-None-Match: *
Content-Type: application/json
{{"properties":{{"custom":{{"fixture":"mpsd-conformance"}}}},"members":{{"me":{{"properties":{{"system":{{"active":true}}}}}}}}}}
HTTP 201

POST {{{{target}}}}/handles
X-Xbl-Contract-Version: 107
Authorization: {AUTH_A}
Content-Type: application/json
{{"version":1,"type":"invite","sessionRef":{{"scid":"{SCID}","templateName":"lobby","name":"{session}"}},"invitedXuid":"2533274790395905"}}
HTTP *
[Captures]
handle: jsonpath "$.id"
[Asserts]
status >= 200
status < 300
{handle_read}
PUT {{{{target}}}}/handles/{{{{handle}}}}/session
X-Xbl-Contract-Version: 107
Authorization: {AUTH_B}
Content-Type: application/json
{{"members":{{"me":{{"properties":{{"system":{{"active":true}}}}}}}}}}
HTTP 200
[Asserts]
jsonpath "$.members.*" count == 2
jsonpath "$.membersInfo.count" == 2
jsonpath "$.membersInfo.first" exists
jsonpath "$.membersInfo.next" exists
jsonpath "$.membersInfo.accepted" == 2
{session_reads}"#
        );
        if teardown {
            // As the harness's teardown: what it gets back only has to be no server failure.
            for (method, url, auth, body) in [
                (
                    "PUT",
                    session_url.as_str(),
                    AUTH_B,
                    r#"{"members":{"me":null}}"#,
                ),
                (
                    "PUT",
                    session_url.as_str(),
                    AUTH_A,
                    r#"{"members":{"me":null}}"#,
                ),
                ("DELETE", "{{target}}/handles/{{handle}}", AUTH_A, ""),
            ] {
                text.push_str(&format!(
                    "\n{method} {url}\nX-Xbl-Contract-Version: 107\nAuthorization: {auth}\n"
                ));
                if !body.is_empty() {
                    text.push_str(&format!("Content-Type: application/json\n{body}\n"));
                }
                text.push_str("HTTP *\n[Asserts]\nstatus < 500\n");
            }
        }
        let path = dir.join(format!("join-{i:05}.hurl"));
        std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
        files.push(path);
    }
    Ok(files)
}
