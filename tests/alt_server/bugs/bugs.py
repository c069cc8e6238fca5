"""Realistic bugs planted one at a time into a copy of tests/alt_server/server.py.

Each bug: name, what the server does wrong, the rules it breaks, and (old, new) text patches
applied to the current server.py (each `old` must occur exactly once).
"""

# Unhandled exceptions become 500s, as in most web frameworks (the alt server maps them to 400).
CRASH = ("self.respond_text(400, \"the request could not be processed\")",
         "self.respond_text(500, \"internal server error\")")

BUGS = [
    # ---------------------------------------------------------------- members by identity
    dict(name="leave-removes-first", rules=["B4.a"],
         desc="\"me\": null removes the lowest-index member, not the caller",
         patch=[("            del members[idx]\n", "            del members[min(members)]\n")]),
    dict(name="leave-nonmember-removes-last", rules=["B4.a"],
         desc="\"me\": null from a non-member removes the last member (find() returned -1)",
         patch=[("        idx = find(caller)\n        if idx is not None:\n            del members[idx]\n",
                 "        idx = find(caller)\n        if members:\n            del members[idx if idx is not None else max(members)]\n")]),
    dict(name="joiner-rendered-with-first-xuid", rules=["B4.a", "SH2"],
         desc="every member is rendered with the first member's xuid (copy-paste in render)",
         patch=[("        sysc[\"xuid\"] = m[\"xuid\"]\n",
                 "        sysc[\"xuid\"] = s[\"members\"][idxs[0]][\"xuid\"]\n")]),
    dict(name="joiner-takes-handle-owner-xuid", rules=["B4.a"],
         desc="a member joining through a handle is recorded with the handle owner's xuid",
         patch=[("                self.put_session(key, tpl, h[\"sessionRef\"][\"name\"], True)",
                 "                self.caller = h[\"doc\"][\"ownerXuid\"]\n"
                 "                self.put_session(key, tpl, h[\"sessionRef\"][\"name\"], True)")]),
    dict(name="self-update-replaces-bag", rules=["B4.a"],
         desc="a self-update replaces the member's properties.system/custom instead of merging",
         patch=[("                    merge_props(members[idx][\"properties\"][part], me[\"properties\"][part])",
                 "                    members[idx][\"properties\"][part] = copy.deepcopy(me[\"properties\"][part])")]),
    dict(name="self-update-adds-member", rules=["O15", "B4.a"],
         desc="members.me from a member adds a second member",
         patch=[("        if idx is not None and not members[idx][\"reserved\"]:",
                 "        if False:")]),
    dict(name="xuid-checked-only-on-join", rules=["B4.b"],
         desc="members.me.constants.system.xuid is checked only when the caller joins",
         patch=[("        if x is not MISSING and (not isinstance(x, str) or x != caller):",
                 "        already = any(m[\"xuid\"] == caller for m in s[\"members\"].values())\n"
                 "        if not already and x is not MISSING and (not isinstance(x, str) or x != caller):")]),
    dict(name="own-index-allowed", rules=["B7"],
         desc="a user may write its own member by index (treated like me)",
         patch=[("    if req.index_keys:\n",
                 "    own = [str(i) for i, m in s[\"members\"].items() if m[\"xuid\"] == caller]\n"
                 "    if [k for k in req.index_keys if k not in own]:\n")]),
    # ---------------------------------------------------------------- B5
    dict(name="b5-on-request-only", rules=["B5"],
         desc="ready+active judged on the request, not the merged member",
         patch=[("        ps = members[idx][\"properties\"][\"system\"]\n",
                 "        ps = (req.me if isinstance(req.me, dict) else {}).get(\"properties\", {}).get(\"system\", {})\n")]),
    dict(name="b5-presence-not-value", rules=["B5"],
         desc="ready:true refused whenever `active` is present, even active:false",
         patch=[("        if ps.get(\"ready\") is True and ps.get(\"active\") is True:",
                 "        if ps.get(\"ready\") is True and \"active\" in ps:")]),
    # ---------------------------------------------------------------- reservations, B12
    dict(name="reserve-ignores-max", rules=["B6", "B12"],
         desc="reservations do not count toward maxMembersCount",
         patch=[("            continue  # already a member or already reserved: nothing to do\n"
                 "        if len(members) + 1 > maxm:\n"
                 "            raise session_full(maxm)\n",
                 "            continue  # already a member or already reserved: nothing to do\n")]),
    dict(name="reserved-join-duplicates", rules=["B6", "O15", "SH2"],
         desc="a reserved member who joins gets a second entry; the reservation stays",
         patch=[("                base = members.pop(idx)[\"constants\"]",
                 "                base = members[idx][\"constants\"]")]),
    dict(name="max-counts-accepted-only", rules=["B12"],
         desc="the join limit counts accepted members only (reservations ignored)",
         patch=[("            elif len(members) + 1 > maxm:",
                 "            elif len([m for m in members.values() if not m[\"reserved\"]]) + 1 > maxm:")]),
    # ---------------------------------------------------------------- B9
    dict(name="constants-resend-409", rules=["B9"],
         desc="any constants on an existing session get 409, even identical ones",
         patch=[("        if conflict or (not creating and merged != s[\"constants\"]):",
                 "        if conflict or not creating:")]),
    dict(name="constants-new-key-on-existing-ok", rules=["B9"],
         desc="on an existing session, new constant keys are accepted (only changes refused)",
         patch=[("        if conflict or (not creating and merged != s[\"constants\"]):",
                 "        if conflict:")]),
    dict(name="member-constants-dropped", rules=["B9", "SH2"],
         desc="a joiner's constants.custom are dropped",
         patch=[("            cust.update(c.get(\"custom\", {}))\n", "")]),
    # ---------------------------------------------------------------- B10 nocommit
    dict(name="nocommit-204-deletes", rules=["B10"],
         desc="?nocommit=true still deletes the session on the 204 path",
         patch=[("            if not nocommit:\n                if status == 204:\n                    SESSIONS.pop(key, None)\n                else:\n                    SESSIONS[key] = new\n",
                 "            if status == 204:\n                SESSIONS.pop(key, None)\n            elif not nocommit:\n                SESSIONS[key] = new\n")]),
    dict(name="nocommit-current-etag", rules=["B10"],
         desc="the nocommit answer carries the stored ETag, not the would-be one",
         patch=[("        headers = [(\"ETag\", new[\"etag\"])]\n        if with_cl:\n            headers.append((\"Content-Location\", self.content_location(new)))\n        self.respond_json(status, doc, headers)",
                 "        headers = [(\"ETag\", cur[\"etag\"] if nocommit and cur else new[\"etag\"])]\n        if with_cl:\n            headers.append((\"Content-Location\", self.content_location(new)))\n        self.respond_json(status, doc, headers)")]),
    dict(name="nocommit-skips-preconditions", rules=["B10", "H4.c"],
         desc="?nocommit=true skips If-Match / If-None-Match",
         patch=[("            self.check_preconditions(cur, with_cl)\n",
                 "            if not nocommit:\n                self.check_preconditions(cur, with_cl)\n")]),
    dict(name="nocommit-skips-constants", rules=["B10", "B9"],
         desc="?nocommit=true skips the constants conflict check",
         patch=[("    if req.constants is not None:\n",
                 "    if req.constants is not None and not getattr(req, 'dry', False):\n"),
                ("        nocommit = self.nocommit()\n",
                 "        nocommit = self.nocommit()\n        req.dry = nocommit\n")]),
    dict(name="nocommit-stores-etag", rules=["B10"],
         desc="?nocommit=true bumps the stored ETag/changeNumber though content is kept",
         patch=[("                else:\n                    SESSIONS[key] = new\n",
                 "                else:\n                    SESSIONS[key] = new\n            elif status != 204 and cur is not None and new is not cur:\n                cur[\"etag\"] = new[\"etag\"]; cur[\"changeNumber\"] = new[\"changeNumber\"]\n")]),
    dict(name="nocommit-skips-b5", rules=["B10", "B5"],
         desc="?nocommit=true skips the ready+active check",
         patch=[("    for idx in touched:\n",
                 "    for idx in ([] if getattr(req, 'dry', False) else touched):\n"),
                ("        nocommit = self.nocommit()\n",
                 "        nocommit = self.nocommit()\n        req.dry = nocommit\n")]),
    # ---------------------------------------------------------------- H4
    dict(name="if-match-star-after-delete", rules=["H4.b"],
         desc="If-Match: * is satisfied by a session that was deleted (tombstone)",
         patch=[("                    SESSIONS.pop(key, None)\n",
                 "                    SESSIONS.pop(key, None)\n                    GONE.add(key)\n"),
                ("MISSING = object()\n", "MISSING = object()\nGONE = set()\n"),
                ("            self.check_preconditions(cur, with_cl)\n",
                 "            self.gone = key in GONE\n            self.check_preconditions(cur, with_cl)\n"),
                ("            if cur is None:\n                raise HttpErr(412, \"the session does not exist\")",
                 "            if cur is None and not (getattr(self, 'gone', False) and '*' in tags):\n                raise HttpErr(412, \"the session does not exist\")\n            if cur is None:\n                return")]),
    dict(name="if-none-match-star-after-delete", rules=["H4.a"],
         desc="If-None-Match: * fails on a session that was deleted (tombstone)",
         patch=[("                    SESSIONS.pop(key, None)\n",
                 "                    SESSIONS.pop(key, None)\n                    GONE.add(key)\n"),
                ("MISSING = object()\n", "MISSING = object()\nGONE = set()\n"),
                ("            self.check_preconditions(cur, with_cl)\n",
                 "            self.gone = key in GONE\n            self.check_preconditions(cur, with_cl)\n"),
                ("        if inm is not None and \"*\" in etag_tokens(inm) and cur is not None:",
                 "        if inm is not None and \"*\" in etag_tokens(inm) and (cur is not None or self.gone):")]),
    dict(name="leave-skips-preconditions", rules=["H4.c", "B4.a"],
         desc="a leave (\"me\": null) is processed without checking If-Match",
         patch=[("            self.check_preconditions(cur, with_cl)\n",
                 "            if req.me is not None:\n                self.check_preconditions(cur, with_cl)\n")]),
    dict(name="412-text-plain", rules=["H4.c", "O5"],
         desc="the stale-If-Match 412 carries the session JSON labelled text/plain",
         patch=[("                              ctype=JSON_CT, headers=headers)",
                 "                              ctype=TEXT_CT, headers=headers)")]),
    dict(name="r5-no-preconditions", rules=["R5", "H4.a", "H4.c"],
         desc="PUT by name ignores If-Match / If-None-Match",
         patch=[("            self.check_preconditions(cur, with_cl)\n",
                 "            if with_cl:\n                self.check_preconditions(cur, with_cl)\n")]),
    dict(name="etag-ignores-members", rules=["H4.c", "O15", "SH1"],
         desc="ETag and changeNumber change only when properties change (a join keeps them)",
         patch=[("    s[\"changeNumber\"] = cur[\"changeNumber\"] + 10\n    s[\"etag\"] = new_etag(s[\"changeNumber\"])\n",
                 "    if s[\"properties\"] != cur[\"properties\"] or s[\"constants\"] != cur[\"constants\"]:\n        s[\"changeNumber\"] = cur[\"changeNumber\"] + 10\n        s[\"etag\"] = new_etag(s[\"changeNumber\"])\n")]),
    dict(name="change-number-properties-only", rules=["SH1"],
         desc="changeNumber grows only on property changes; the ETag still changes",
         patch=[("    s[\"changeNumber\"] = cur[\"changeNumber\"] + 10\n    s[\"etag\"] = new_etag(s[\"changeNumber\"])\n",
                 "    if s[\"properties\"] != cur[\"properties\"]:\n        s[\"changeNumber\"] = cur[\"changeNumber\"] + 10\n    s[\"etag\"] = new_etag(s[\"changeNumber\"])\n")]),
    dict(name="etag-from-change-number", rules=["H4.c"],
         desc="the ETag is just the changeNumber: an ETag from a deleted incarnation matches the new one",
         patch=[("    return '\"v%d-%s\"' % (change_number, secrets.token_hex(6))",
                 "    return '\"v%d\"' % change_number")]),
    dict(name="no-lock-race", rules=["H4.c"],
         desc="If-Match is checked outside the lock: concurrent writers with one ETag all win",
         patch=[("        with LOCK:\n            cur = SESSIONS.get(key)\n            self.check_preconditions(cur, with_cl)\n",
                 "        import time\n        if True:\n            cur = SESSIONS.get(key)\n            self.check_preconditions(cur, with_cl)\n            time.sleep(0.02)\n")]),
    # ---------------------------------------------------------------- O16 / R2
    dict(name="get-any-inm-304", rules=["O16"],
         desc="GET with any If-None-Match answers 304 (stale tags included)",
         patch=[("            if \"*\" in tags or etag_core(s[\"etag\"]) in tags:",
                 "            if tags:")]),
    dict(name="r2-404-empty-body", rules=["G3", "SH4"],
         desc="GET through an unknown handle: 404 with an empty body",
         patch=[("            if h is None:\n                raise HttpErr(404, \"no handle with id %s\" % hid)\n            tpl = TEMPLATES",
                 "            if h is None:\n                raise HttpErr(404, \"\" if self.command == \"GET\" else \"no handle with id %s\" % hid)\n            tpl = TEMPLATES")]),
    dict(name="r2-gone-404", rules=["O16"],
         desc="GET through a handle whose session was deleted answers 404",
         patch=[("                    SESSIONS.pop(key, None)\n",
                 "                    SESSIONS.pop(key, None)\n                    GONE.add(key)\n"),
                ("MISSING = object()\n", "MISSING = object()\nGONE = set()\n"),
                ("        if s is None:\n            self.respond(204)\n            return\n",
                 "        if s is None:\n            if key in GONE:\n                raise HttpErr(404, \"the session is gone\")\n            self.respond(204)\n            return\n")]),
    # ---------------------------------------------------------------- O17
    dict(name="persistent-rejoin-201", rules=["O17", "SH1"],
         desc="joining an empty persistent session is treated as a new creation (201, new branch)",
         patch=[("    creating = cur is None\n",
                 "    creating = cur is None or not cur[\"members\"]\n")]),
    # ---------------------------------------------------------------- H1 / H2 on other resources
    dict(name="version-unchecked-on-handles", rules=["H1.b", "H1.c"],
         desc="the contract version is not checked on POST/DELETE /handles",
         patch=[("        self.check_version()\n        if kind == \"R3\":",
                 "        if not (kind == \"R3\" or (kind == \"R4\" and self.command == \"DELETE\")):\n            self.check_version()\n        if kind == \"R3\":")]),
    dict(name="version-unchecked-on-r5-put", rules=["H1.b", "H1.c"],
         desc="the contract version is not checked on PUT by name",
         patch=[("        self.check_version()\n        if kind == \"R3\":",
                 "        if not (kind == \"R5\" and self.command == \"PUT\"):\n            self.check_version()\n        if kind == \"R3\":")]),
    dict(name="auth-unchecked-on-delete-handle", rules=["H2"],
         desc="DELETE /handles/{id} needs no Authorization",
         patch=[("        self.check_auth()\n        self.check_version()\n",
                 "        if not (kind == \"R4\" and self.command == \"DELETE\"):\n            self.check_auth()\n        else:\n            self.caller = \"0\"\n        self.check_version()\n")]),
    dict(name="auth-unchecked-on-r5-put", rules=["H2"],
         desc="PUT by name needs no Authorization (caller taken from a default)",
         patch=[("        self.check_auth()\n        self.check_version()\n",
                 "        if not (kind == \"R5\" and self.command == \"PUT\"):\n            self.check_auth()\n        else:\n            try:\n                self.check_auth()\n            except HttpErr:\n                self.caller = \"1\"\n        self.check_version()\n")]),
    dict(name="auth-scheme-case-sensitive", rules=["H2"],
         desc="the XBL3.0 scheme is matched case-sensitively",
         patch=[("        m = re.match(r\"(?i)XBL3\\.0[ \\t]+\", v)",
                 "        m = re.match(r\"XBL3\\.0[ \\t]+\", v)")]),
    dict(name="version-overflow-500", rules=["O13"],
         desc="a contract version beyond 32 bits crashes the parser",
         patch=[("            nums.add(int(p))\n",
                 "            if int(p) > 2**31 - 1:\n                raise OverflowError(p)\n            nums.add(int(p))\n"), CRASH]),
    dict(name="deep-me-number-500", rules=["O13", "B1"],
         desc="\"me\": 5 crashes (members.me not type-checked)",
         patch=[("                if v is not None:\n                    check_member_obj(v, \"members.me\")\n", ""), CRASH]),
    dict(name="deep-custom-number-500", rules=["O13", "B1"],
         desc="properties.custom: 5 crashes (bag parts not type-checked)",
         patch=[("    for part in (\"system\", \"custom\"):\n        if part in obj and not isinstance(obj[part], dict):\n            raise bad(\"%s.%s must be a JSON object\" % (where, part))\n", ""), CRASH]),
    dict(name="deep-member-properties-500", rules=["O13", "B1"],
         desc="members.me.properties: [] crashes",
         patch=[("    if \"properties\" in m:\n        check_bag(m[\"properties\"], where + \".properties\")\n",
                 "    if \"properties\" in m:\n"), CRASH]),
    dict(name="reserve-number-500", rules=["O13", "B6"],
         desc="members.reserve_0: 5 crashes",
         patch=[("                check_member_obj(v, \"members.\" + k)\n", ""), CRASH]),
    dict(name="long-if-match-500", rules=["O13"],
         desc="an If-Match over 8 KB overflows a buffer",
         patch=[("        im = self.headers.get(\"If-Match\")\n",
                 "        im = self.headers.get(\"If-Match\")\n        if im and len(im) > 8192:\n            raise MemoryError(\"buffer\")\n"), CRASH]),
    dict(name="nocommit-twice-500", rules=["O13"],
         desc="a repeated nocommit query parameter crashes",
         patch=[("        for v in self.query.get(\"nocommit\", []):\n",
                 "        if len(self.query.get(\"nocommit\", [])) > 1:\n            raise ValueError(\"dup\")\n        for v in self.query.get(\"nocommit\", []):\n"), CRASH]),
    dict(name="bom-500", rules=["O13", "B2"],
         desc="a body starting with a UTF-8 BOM crashes the decoder",
         patch=[("            return json.loads(self.body.decode(\"utf-8\"), parse_constant=no_constant)\n        except Exception:\n            raise bad(\"the body is not valid JSON\")",
                 "            if self.body.startswith(b\"\\xef\\xbb\\xbf\"):\n                raise UnicodeError(\"bom\")\n            return json.loads(self.body.decode(\"utf-8\"), parse_constant=no_constant)\n        except UnicodeError:\n            raise\n        except Exception:\n            raise bad(\"the body is not valid JSON\")"), CRASH]),
    dict(name="invalid-utf8-500", rules=["O13", "B2"],
         desc="invalid UTF-8 in the body crashes",
         patch=[("            return json.loads(self.body.decode(\"utf-8\"), parse_constant=no_constant)\n        except Exception:\n            raise bad(\"the body is not valid JSON\")",
                 "            text = self.body.decode(\"utf-8\", \"strict\") if b\"\\xff\" not in self.body else None\n            if text is None:\n                raise UnicodeError(\"bad utf-8\")\n            return json.loads(text, parse_constant=no_constant)\n        except UnicodeError:\n            raise\n        except Exception:\n            raise bad(\"the body is not valid JSON\")"), CRASH]),
    dict(name="nul-byte-served", rules=["B2"],
         desc="a NUL byte after the JSON object is ignored (C-string parser) and the write served",
         patch=[("            return json.loads(self.body.decode(\"utf-8\"), parse_constant=no_constant)",
                 "            return json.loads(self.body.split(b\"\\x00\")[0].decode(\"utf-8\"), parse_constant=no_constant)")]),
    # ---------------------------------------------------------------- G
    dict(name="lenient-guid-on-reads", rules=["G4"],
         desc="GET/DELETE paths parse the handle id with a lenient GUID parser (braces, urn, no hyphens)",
         patch=[("    def check_handle_id(self, raw):\n",
                 "    def check_handle_id(self, raw):\n        if self.command in (\"GET\", \"DELETE\"):\n            try:\n                return str(uuid.UUID(unquote(raw)))\n            except ValueError:\n                pass\n")]),
    dict(name="guid-case-sensitive-on-r4", rules=["G2"],
         desc="GET/DELETE /handles/{id} compare the id case-sensitively",
         patch=[("            hid = self.check_handle_id(segs[1])\n            if self.command == \"GET\":\n                self.get_handle(hid)",
                 "            hid = segs[1] if GUID_RE.match(segs[1]) else self.check_handle_id(segs[1])\n            if self.command == \"GET\":\n                self.get_handle(hid)")]),
    dict(name="guid-case-sensitive-on-r2", rules=["G2"],
         desc="GET /handles/{id}/session compares the id case-sensitively",
         patch=[("            hid = self.check_handle_id(segs[1])\n            with LOCK:\n                h = HANDLES.get(hid)",
                 "            hid = self.check_handle_id(segs[1])\n            if self.command == \"GET\":\n                hid = segs[1]\n            with LOCK:\n                h = HANDLES.get(hid)")]),
    # ---------------------------------------------------------------- shapes
    dict(name="branch-hex-not-guid", rules=["SH1"],
         desc="branch is 32 hex digits, not a GUID",
         patch=[("        \"branch\": str(uuid.uuid4()),", "        \"branch\": uuid.uuid4().hex,")]),
    dict(name="correlation-id-not-guid", rules=["SH1"],
         desc="correlationId is a random token, not a GUID",
         patch=[("        \"correlationId\": str(uuid.uuid4()),", "        \"correlationId\": secrets.token_urlsafe(12),")]),
    dict(name="start-time-epoch", rules=["SH1"],
         desc="startTime is epoch seconds as a string",
         patch=[("        \"startTime\": now_iso(),\n        \"etag\": None,",
                 "        \"startTime\": str(int(datetime.now(timezone.utc).timestamp())),\n        \"etag\": None,")]),
    dict(name="first-stale-after-leave", rules=["SH2"],
         desc="membersInfo.first stays at the first index ever used",
         patch=[("        info[\"first\"] = idxs[0]", "        info[\"first\"] = 1")]),
    dict(name="last-next-own-index", rules=["SH2"],
         desc="the last member's next is its own index + 1",
         patch=[("        nxt = idxs[i + 1] if i + 1 < len(idxs) else s[\"next\"]",
                 "        nxt = idxs[i + 1] if i + 1 < len(idxs) else idx + 1")]),
    dict(name="r5-create-200", rules=["R5", "O2"],
         desc="PUT by name that creates the session answers 200",
         patch=[("        self.respond_json(status, doc, headers)\n\n    def check_preconditions",
                 "        self.respond_json(200 if not with_cl else status, doc, headers)\n\n    def check_preconditions")]),
    dict(name="r5-name-case-sensitive", rules=["R5"],
         desc="session names by name are compared case-sensitively",
         patch=[("            key = (tpl[\"name\"], name.lower())", "            key = (tpl[\"name\"], name)"),
                ("            key = (tpl[\"name\"], h[\"sessionRef\"][\"name\"].lower())", "            key = (tpl[\"name\"], h[\"sessionRef\"][\"name\"])")]),
    # ---------------------------------------------------------------- partial writes / precedence
    dict(name="partial-write-on-error", rules=["O13", "B12", "B5"],
         desc="the write mutates the stored session in place; a later 4xx leaves the early parts stored",
         patch=[("    s = new_session_record(tpl, display_name) if creating else copy.deepcopy(cur)\n",
                 "    s = new_session_record(tpl, display_name) if creating else cur\n    cur = copy.deepcopy(cur) if cur is not None else None\n"),
                ("        return 200, cur          # nothing changed: same ETag, same changeNumber\n",
                 "        return 200, s          # nothing changed: same ETag, same changeNumber\n")]),
    dict(name="body-before-handle-500", rules=["O13"],
         desc="an unknown handle with a malformed body crashes (error path assumes a session)",
         patch=[("            if h is None:\n                raise HttpErr(404, \"no handle with id %s\" % hid)\n            tpl = TEMPLATES",
                 "            if h is None and self.command == \"PUT\" and self.body[:1] != b\"{\":\n                raise KeyError(hid)\n            if h is None:\n                raise HttpErr(404, \"no handle with id %s\" % hid)\n            tpl = TEMPLATES"), CRASH]),
    dict(name="oversize-unknown-handle-500", rules=["O13"],
         desc="a huge body on an unknown or malformed handle id crashes",
         patch=[("    def check_handle_id(self, raw):\n",
                 "    def check_handle_id(self, raw):\n        if self.body_too_big and not GUID_RE.match(raw):\n            raise MemoryError(\"body\")\n"), CRASH]),
    dict(name="stale-if-match-bad-body-200", rules=["B2", "H4.c"],
         desc="a malformed body sent with an If-Match is read as {} (the conditional path parses leniently)",
         patch=[("        body = self.json_body()\n        req = validate_write_body(body)\n",
                 "        try:\n            body = self.json_body()\n        except HttpErr:\n            if self.headers.get(\"If-Match\") is None:\n                raise\n            body = {}\n        req = validate_write_body(body)\n")]),
    dict(name="create-only-checked-on-joins-only", rules=["H4.a"],
         desc="If-None-Match: * is enforced only on writes that carry members.me",
         patch=[("        if inm is not None and \"*\" in etag_tokens(inm) and cur is not None:",
                 "        if inm is not None and \"*\" in etag_tokens(inm) and cur is not None and b'\"me\"' in self.body:")]),
    dict(name="delete-handle-keeps-resolving", rules=["R4", "G3"],
         desc="DELETE /handles/{id} answers 2xx but the handle still resolves for writes",
         patch=[("            h = HANDLES.pop(hid, None)\n", "            h = HANDLES.get(hid)\n")]),
    dict(name="handle-missing-sessionref-500", rules=["O13", "R3"],
         desc="POST /handles without sessionRef crashes",
         patch=[("        if not isinstance(ref, dict):\n            raise bad(\"sessionRef must be an object\")\n", ""), CRASH]),
    dict(name="throttle-429-no-retry-after", rules=["O11"],
         desc="a rate limiter whose 429 has no Retry-After",
         patch=[("    def dispatch(self):\n",
                 "    def dispatch(self):\n        if throttle():\n            self.respond_json(429, {\"version\": 1, \"currentRequests\": 11, \"maxRequests\": 10, \"periodInSeconds\": 1, \"limitType\": \"Rolling\"})\n            self.close_connection = True\n            return\n"),
                ("MISSING = object()\n",
                 "MISSING = object()\nimport time as _t\n_HITS = []\ndef throttle():\n    with LOCK:\n        now = _t.monotonic()\n        _HITS[:] = [t for t in _HITS if now - t < 1.0]\n        _HITS.append(now)\n        return len(_HITS) > 40\n")]),
    dict(name="throttle-429-bad-body", rules=["O11"],
         desc="a rate limiter whose 429 body is text",
         patch=[("    def dispatch(self):\n",
                 "    def dispatch(self):\n        if throttle():\n            self.respond_text(429, \"slow down\", [(\"Retry-After\", \"1\")])\n            self.close_connection = True\n            return\n"),
                ("MISSING = object()\n",
                 "MISSING = object()\nimport time as _t\n_HITS = []\ndef throttle():\n    with LOCK:\n        now = _t.monotonic()\n        _HITS[:] = [t for t in _HITS if now - t < 1.0]\n        _HITS.append(now)\n        return len(_HITS) > 40\n")]),
    dict(name="null-in-bag-400", rules=["B1"],
         desc="a null value inside a property bag is refused as invalid",
         patch=[("def merge_props(dst, src):\n",
                 "def merge_props(dst, src):\n    if any(v is None for v in src.values()):\n        raise bad(\"null values are not allowed\")\n")]),
    dict(name="member-write-always-bumps", rules=["O15"],
         desc="any write naming members.me counts as a change (new ETag, changeNumber up)",
         patch=[("    if content_of(s) == content_of(cur):\n", "    if content_of(s) == content_of(cur) and req.me is MISSING:\n")]),
    dict(name="top-level-keys-case-insensitive", rules=["B1"],
         desc="top-level member names are matched case-insensitively (a lenient JSON binder)",
         patch=[("    if not isinstance(b, dict):\n        raise bad(\"the request body must be a JSON object\")\n    for k in b:",
                 "    if not isinstance(b, dict):\n        raise bad(\"the request body must be a JSON object\")\n    b = {k.lower(): v for k, v in b.items()}\n    for k in b:")]),
    dict(name="whitespace-body-is-empty-object", rules=["B2"],
         desc="a whitespace-only body is read as {}",
         patch=[("            return json.loads(self.body.decode(\"utf-8\"), parse_constant=no_constant)",
                 "            if self.body and not self.body.strip():\n                return {}\n            return json.loads(self.body.decode(\"utf-8\"), parse_constant=no_constant)")]),
    dict(name="empty-me-ignored", rules=["B4.a"],
         desc="\"me\": {} is taken as no change (no join)",
         patch=[("    elif req.me is not MISSING:\n", "    elif req.me is not MISSING and req.me:\n")]),
    dict(name="b5-only-when-ready-written", rules=["B5"],
         desc="ready+active is checked only when the write sets ready",
         patch=[("        if ps.get(\"ready\") is True and ps.get(\"active\") is True:",
                 "        wrote = (req.me if isinstance(req.me, dict) else {}).get(\"properties\", {}).get(\"system\", {})\n        if \"ready\" in wrote and ps.get(\"ready\") is True and ps.get(\"active\") is True:")]),
    dict(name="system-constants-at-creation-409", rules=["B9"],
         desc="any constants.system in a creating write gets 409, even the template's own values",
         patch=[("        body_c = {k: v for k, v in req.constants.items() if k in (\"system\", \"custom\")}\n",
                 "        body_c = {k: v for k, v in req.constants.items() if k in (\"system\", \"custom\")}\n        if body_c.get(\"system\"):\n            raise HttpErr(409, \"system constants are set by the template\")\n")]),
    dict(name="handle-deleted-with-session", rules=["R4", "R3"],
         desc="deleting a session (last leave) also deletes the handles that point at it",
         patch=[("                if status == 204:\n                    SESSIONS.pop(key, None)\n",
                 "                if status == 204:\n                    SESSIONS.pop(key, None)\n                    for hid in [i for i, h in HANDLES.items() if (h[\"_template\"], h[\"sessionRef\"][\"name\"].lower()) == key]:\n                        del HANDLES[hid]\n")]),
    dict(name="full-counts-self-update", rules=["B12", "B4.a"],
         desc="the maxMembersCount check counts the caller again on a self-update",
         patch=[("        if idx is not None and not members[idx][\"reserved\"]:\n",
                 "        if len(members) + 1 > maxm:\n            raise HttpErr(409, \"the session is full\")\n        if idx is not None and not members[idx][\"reserved\"]:\n")]),
    dict(name="handle-name-case-sensitive", rules=["R3"],
         desc="a handle resolves its session name case-sensitively",
         patch=[("            key = (tpl[\"name\"], h[\"sessionRef\"][\"name\"].lower())", "            key = (tpl[\"name\"], h[\"sessionRef\"][\"name\"])")]),
    dict(name="handle-template-case-sensitive", rules=["R3"],
         desc="POST /handles compares the template name case-sensitively",
         patch=[("        if ref[\"scid\"].lower() != SCID or ref[\"templateName\"].lower() not in TEMPLATES:",
                 "        if ref[\"scid\"].lower() != SCID or ref[\"templateName\"] not in TEMPLATES:")]),
    dict(name="non-bmp-dropped", rules=["O16", "R1"],
         desc="characters outside the BMP are dropped when stored (a 3-byte UTF-8 column)",
         patch=[("def merge_props(dst, src):\n",
                 "def _bmp(v):\n    if isinstance(v, str):\n        return ''.join(c for c in v if ord(c) < 0x10000)\n    if isinstance(v, dict):\n        return {k: _bmp(x) for k, x in v.items()}\n    return v\n\ndef merge_props(dst, src):\n    src = _bmp(src)\n")]),
    dict(name="create-race", rules=["H4.a"],
         desc="If-None-Match: * is checked before the lock: concurrent creators all get 201",
         patch=[("        with LOCK:\n            cur = SESSIONS.get(key)\n            self.check_preconditions(cur, with_cl)\n",
                 "        import time\n        cur = SESSIONS.get(key)\n        self.check_preconditions(cur, with_cl)\n        if cur is None:\n            time.sleep(0.02)\n        with LOCK:\n")]),
    dict(name="shed-503-no-retry-after", rules=["O12"],
         desc="a load shedder (4 requests in flight) whose 503 has no Retry-After",
         patch=[("    def dispatch(self):\n        try:\n            ok = self.read_body()\n        except Exception:\n            ok = False\n",
                 "    def dispatch(self):\n        if not SLOTS.acquire(blocking=False):\n            self.read_body()\n            self.respond_text(503, \"busy\")\n            return\n        try:\n            self._dispatch()\n        finally:\n            SLOTS.release()\n\n    def _dispatch(self):\n        import time\n        time.sleep(0.002)\n        try:\n            ok = self.read_body()\n        except Exception:\n            ok = False\n"),
                ("MISSING = object()\n", "MISSING = object()\nSLOTS = threading.BoundedSemaphore(4)\n")]),
    dict(name="r5-create-empty-stored", rules=["R5", "O3"],
         desc="PUT by name stores a session created with no members even under sessionEmptyTimeout 0",
         patch=[("    if not members and tpl[\"sessionEmptyTimeout\"] == 0:\n        return 204, None\n",
                 "    if not members and tpl[\"sessionEmptyTimeout\"] == 0 and not (creating and getattr(req, 'by_name', False)):\n        return 204, None\n"),
                ("        nocommit = self.nocommit()\n", "        nocommit = self.nocommit()\n        req.by_name = not with_cl\n")]),
    dict(name="r5-write-route-case-sensitive", rules=["R5.a"],
         desc="the PUT-by-name route needs the exact spelling sessionTemplates",
         patch=[("        elif (len(segs) == 6 and low[0] == \"serviceconfigs\" and low[2] == \"sessiontemplates\"",
                 "        elif (len(segs) == 6 and low[0] == \"serviceconfigs\" and (segs[2] == \"sessionTemplates\" or self.command == \"GET\") and low[2] == \"sessiontemplates\"")]),
    dict(name="reserve-ignored-beside-me", rules=["B6"],
         desc="reservations in a write that also carries members.me are ignored",
         patch=[("    for r in req.reserves:\n", "    for r in ([] if req.me is not MISSING else req.reserves):\n")]),
    dict(name="resurrect-on-recreate", rules=["O3", "O2"],
         desc="a deleted session is kept aside and its content comes back when the name is created again",
         patch=[("                if status == 204:\n                    SESSIONS.pop(key, None)\n",
                 "                if status == 204:\n                    GRAVE[key] = SESSIONS.pop(key, None) or GRAVE.get(key)\n"),
                ("MISSING = object()\n", "MISSING = object()\nGRAVE = {}\n"),
                ("            cur = SESSIONS.get(key)\n            self.check_preconditions(cur, with_cl)\n            status, new = apply_write(cur, req, self.caller, tpl, display_name)\n",
                 "            cur = SESSIONS.get(key)\n            self.check_preconditions(cur, with_cl)\n            status, new = apply_write(cur, req, self.caller, tpl, display_name)\n            if cur is None and new is not None and GRAVE.get(key):\n                old = GRAVE[key]\n                new[\"properties\"] = copy.deepcopy(old[\"properties\"])\n                for i, m in old[\"members\"].items():\n                    new[\"members\"].setdefault(i + 100, copy.deepcopy(m))\n")]),
    dict(name="weak-etags-strong-compare", rules=["H4.c"],
         desc="ETags are emitted weak (W/\"..\") while If-Match compares strongly, so a client's own ETag never matches",
         patch=[("    return '\"v%d-%s\"' % (change_number, secrets.token_hex(6))",
                 "    return 'W/\"v%d-%s\"' % (change_number, secrets.token_hex(6))"),
                ("            if \"*\" not in tags and etag_core(cur[\"etag\"]) not in tags:",
                 "            if \"*\" not in tags and cur[\"etag\"] not in [t for t in [im.strip()]]:")]),
    dict(name="content-location-handle-path", rules=["O14"],
         desc="Content-Location names the handle's path, not the session's",
         patch=[("        return \"http://%s/serviceConfigs/%s/sessionTemplates/%s/sessions/%s\" % (\n            self.host(), SCID.upper(), quote(s[\"template\"], safe=\"\"), quote(s[\"name\"], safe=\"\"))",
                 "        return self.path.split(\"?\")[0]")]),
    dict(name="read-without-etag", rules=["O16"],
         desc="a read by handle carries no ETag",
         patch=[("        headers = [(\"ETag\", s[\"etag\"])]\n        if with_cl:", "        headers = []\n        if with_cl:")]),
    dict(name="version-105-refused", rules=["H1.a"],
         desc="only 104 and 107 are accepted (105 and 106 are refused as unknown)",
         patch=[("        if n < 104:\n", "        if n in (105, 106):\n            raise HttpErr(406, \"unsupported contract version\")\n        if n < 104:\n")]),
    dict(name="count-excludes-reserved", rules=["B6.a", "SH2"],
         desc="membersInfo.count counts accepted members only",
         patch=[("    info = {\"next\": s[\"next\"], \"count\": len(idxs), \"accepted\": accepted}",
                 "    info = {\"next\": s[\"next\"], \"count\": accepted, \"accepted\": accepted}")]),
    dict(name="if-match-accepts-previous", rules=["H4.c"],
         desc="If-Match also accepts the ETag before the current one (a one-step history)",
         patch=[("            if \"*\" not in tags and etag_core(cur[\"etag\"]) not in tags:",
                 "            if \"*\" not in tags and etag_core(cur[\"etag\"]) not in tags and etag_core(cur.get(\"prev\") or \"\") not in tags:"),
                ("    s[\"changeNumber\"] = cur[\"changeNumber\"] + 10\n", "    s[\"prev\"] = cur[\"etag\"]\n    s[\"changeNumber\"] = cur[\"changeNumber\"] + 10\n")]),
    dict(name="nocommit-only-on-create", rules=["B10"],
         desc="?nocommit=true is honoured only when the write would create the session",
         patch=[("        nocommit = self.nocommit()\n", "        nocommit = self.nocommit() and SESSIONS.get(key) is None\n")]),
    dict(name="stale-412-without-body", rules=["H4.c", "O5"],
         desc="the stale-If-Match 412 has the ETag but no body",
         patch=[("                raise HttpErr(412, body=json.dumps(render_session(cur)).encode(\"utf-8\"),\n                              ctype=JSON_CT, headers=headers)",
                 "                raise HttpErr(412, \"precondition failed\", headers=headers)")]),
    # ================================================================ issue 13
    # Families the catalog had not reached: (a) refused writes that store part of their change;
    # (b) a rule checked on one resource or path only; (c) malformed inputs that crash or are
    # accepted in one position only; (d) encodings; (e) header forms and message framing;
    # (f) handles and sessions after deletes and across templates; (g) a 500 on an input only
    # `may` cases send. Written as bugs, not to fit a test: many survive the catalog they were
    # planted against (SUMMARY.md records which); a survivor is a hole to close, never to soften.
    # ---------------------------------------------------------------- (a) refused writes that store a part
    dict(name="index-sequence-not-rolled-back", rules=["B5", "B10", "O16"],
         desc="a joiner's index is taken from the stored session's counter before the write is validated and never given back (a database sequence): a refused join (ready+active, 400) or a ?nocommit=true join still moves the stored membersInfo.next, under the old ETag",
         patch=[("            new_idx = allocate_index(s, kept)\n            members[new_idx] = {\n                \"xuid\": caller,",
                 "            new_idx = take_index(cur, s)\n            members[new_idx] = {\n                \"xuid\": caller,"),
                ("def apply_write(cur, req, caller, tpl, display_name):\n",
                 "def take_index(cur, s):\n    \"\"\"Member indexes are never reused in a session: take the next one from the stored record.\"\"\"\n    src = cur if cur is not None else s\n    idx = src[\"next\"]\n    src[\"next\"] += 2\n    s[\"next\"] = src[\"next\"]\n    return idx\n\n\ndef apply_write(cur, req, caller, tpl, display_name):\n")]),
    dict(name="servers-403-after-commit", rules=["B8", "O16"],
         desc="the `servers` permission is checked by an after-write hook: a user's write carrying servers gets 403, but the rest of its body (properties, members) has been stored",
         patch=[("    if req.servers:\n        raise HttpErr(403, \"only a server principal may write servers\")\n", ""),
                ("            doc = render_session(new) if new is not None else None\n",
                 "            doc = render_session(new) if new is not None else None\n        if req.servers:  # the principal check (audit hook) runs once the write is done\n            raise HttpErr(403, \"only a server principal may write servers\")\n")]),
    dict(name="reservations-held-one-by-one", rules=["B6", "B12", "O16"],
         desc="each reservation is put into the stored session as soon as it is made (to hold the seat against racing joins): a write whose later reservation overflows maxMembersCount gets 409 with the earlier ones kept, and an accepted reservation keeps the old ETag",
         patch=[("            \"reserved\": True,\n            \"joinTime\": None,\n        }\n        touched.append(new_idx)\n",
                 "            \"reserved\": True,\n            \"joinTime\": None,\n        }\n        if cur is not None:  # hold the seat in the live session at once\n            cur[\"members\"][new_idx] = copy.deepcopy(members[new_idx])\n            cur[\"next\"] = s[\"next\"]\n        touched.append(new_idx)\n")]),
    dict(name="writes-committed-per-part", rules=["B12", "B9", "B5", "B8", "O16"],
         desc="a write to an existing session is stored in two calls, session properties first, then the rest: a 400/403/409 from the second call leaves the properties stored under a new ETag",
         patch=[("            status, new = apply_write(cur, req, self.caller, tpl, display_name)\n",
                 "            if cur is not None and req.properties is not None and not nocommit:\n                props_only = WriteRequest()  # step 1: the session's properties, stored on their own\n                props_only.properties = req.properties\n                cur = apply_write(cur, props_only, self.caller, tpl, display_name)[1]\n                SESSIONS[key] = cur\n            status, new = apply_write(cur, req, self.caller, tpl, display_name)\n")]),
    dict(name="b5-checked-after-commit", rules=["B5", "O16"],
         desc="ready+active is validated on the stored result, after the write was stored: the 400 comes back but the member is stored both ready and active (and every later write to the session then fails)",
         patch=[("    for idx in touched:\n        ps = members[idx][\"properties\"][\"system\"]\n        if ps.get(\"ready\") is True and ps.get(\"active\") is True:\n            raise bad(\"a member cannot be both ready and active\")\n", ""),
                ("            doc = render_session(new) if new is not None else None\n",
                 "            doc = render_session(new) if new is not None else None\n        for m in (new[\"members\"].values() if new is not None else ()):\n            if m[\"properties\"][\"system\"].get(\"ready\") is True and m[\"properties\"][\"system\"].get(\"active\") is True:\n                raise bad(\"a member cannot be both ready and active\")\n")]),
    # ---------------------------------------------------------------- (b) one resource or path only
    dict(name="r5-put-skips-b5", rules=["R5", "B5"],
         desc="the ready+active check lives in the handle route's write path: PUT by name stores a member both ready and active",
         patch=[("    for idx in touched:\n", "    for idx in ([] if getattr(req, \"by_name\", False) else touched):\n"),
                ("        nocommit = self.nocommit()\n", "        nocommit = self.nocommit()\n        req.by_name = not with_cl\n")]),
    dict(name="r5-put-allows-index-writes", rules=["R5", "B7"],
         desc="PUT by name is taken for the game servers' path: members written by index are let through there (and ignored) instead of 403",
         patch=[("    if req.index_keys:\n", "    if req.index_keys and not getattr(req, \"by_name\", False):\n"),
                ("        nocommit = self.nocommit()\n", "        nocommit = self.nocommit()\n        req.by_name = not with_cl\n")]),
    dict(name="r5-put-skips-xuid-check", rules=["R5", "B4.b"],
         desc="members.me.constants.system.xuid is compared with the caller on the handle route only: PUT by name accepts another user's xuid",
         patch=[("    if isinstance(req.me, dict):\n        x = req.me.get", "    if isinstance(req.me, dict) and not getattr(req, \"by_name\", False):\n        x = req.me.get"),
                ("        nocommit = self.nocommit()\n", "        nocommit = self.nocommit()\n        req.by_name = not with_cl\n")]),
    dict(name="create-drops-unknown-keys", rules=["B1"],
         desc="the create path binds only the known top-level members and drops the others; only updates refuse an unknown top-level key",
         patch=[("        body = self.json_body()\n        req = validate_write_body(body)\n",
                 "        body = self.json_body()\n        if isinstance(body, dict) and SESSIONS.get(key) is None:  # create: bind the known members\n            body = {k: v for k, v in body.items() if k in (\"constants\", \"properties\", \"members\", \"servers\")}\n        req = validate_write_body(body)\n")]),
    dict(name="create-skips-b5", rules=["B5"],
         desc="ready+active is checked when a member joins or updates an existing session, not in the write that creates the session",
         patch=[("    for idx in touched:\n", "    for idx in ([] if creating else touched):\n")]),
    dict(name="by-name-read-hides-reserved", rules=["R5", "SH2", "B6.a"],
         desc="GET by name renders the public view without reserved members (membersInfo still counts them, and the member before one points at it)",
         patch=[("            doc = render_session(s) if s else None\n        if s is None:\n",
                 "            doc = render_session(s) if s else None\n        if doc is not None and not with_cl:  # the browse view hides reservations\n            doc[\"members\"] = {i: m for i, m in doc[\"members\"].items() if not m.get(\"reserved\")}\n        if s is None:\n")]),
    # ---------------------------------------------------------------- (c) malformed inputs
    dict(name="null-body-500", rules=["O13", "B2"],
         desc="the body type check names the non-object types it expects (array, string, number): a `null` body gets through and crashes",
         patch=[("    if not isinstance(b, dict):\n        raise bad(\"the request body must be a JSON object\")\n    for k in b:",
                 "    if isinstance(b, (list, str, int, float)):\n        raise bad(\"the request body must be a JSON object\")\n    for k in b:"), CRASH]),
    dict(name="lenient-nan", rules=["B2", "O16"],
         desc="NaN, Infinity and -Infinity are accepted (the parser's JavaScript-compatible default) and written back as such: the answer and every later read are not JSON",
         patch=[("        def no_constant(name):\n            raise ValueError(\"bad constant \" + name)\n",
                 "        def no_constant(name):\n            return float(name)  # NaN / Infinity, as JavaScript clients send them\n"),
                ("        if math.isinf(v) or math.isnan(v):\n            raise ValueError(\"a non-finite number cannot be written as JSON\")\n        return _number_key(v) if canonical else float.__repr__(v)",
                 "        if math.isinf(v) or math.isnan(v):\n            return \"NaN\" if v != v else (\"Infinity\" if v > 0 else \"-Infinity\")\n        return _number_key(v) if canonical else float.__repr__(v)")]),
    dict(name="me-properties-non-object-ignored", rules=["B1.a"],
         desc="members.me.properties is validated only when it is an object: a string or an array there is skipped, and a member's self-update carrying it gets 200",
         patch=[("    if \"properties\" in m:\n        check_bag(m[\"properties\"], where + \".properties\")\n",
                 "    if isinstance(m.get(\"properties\"), dict):\n        check_bag(m[\"properties\"], where + \".properties\")\n")]),
    dict(name="reserve-xuid-truthy", rules=["B6", "SH2"],
         desc="a reservation's xuid is checked for presence only (truthiness): a number is accepted and stored, and the member renders with a numeric xuid",
         patch=[("                if not isinstance(xuid, str) or not xuid:\n", "                if xuid is MISSING or not xuid:\n")]),
    dict(name="reserve-entry-types-unchecked-500", rules=["B1.a", "B6", "O13"],
         desc="a reservation entry is checked for being an object with a string xuid, not its bags: properties of the wrong type crash, constants.custom of the wrong type is stored",
         patch=[("                check_member_obj(v, \"members.\" + k)\n",
                 "                if not isinstance(v, dict):\n                    raise bad(\"members.%s must be a JSON object\" % k)\n"), CRASH]),
    dict(name="chunked-body-read-as-empty", rules=["H6", "B2"],
         desc="bodies are read by Content-Length only: a chunked body is taken as empty (400) and its bytes are then read as the next request",
         patch=[("        te = self.headers.get_all(\"Transfer-Encoding\") or []\n", "        te = []  # bodies are read by Content-Length\n")]),
    dict(name="version-trailing-space-refused", rules=["H5", "H1.a"],
         desc="the contract version list is split on \", \" and not trimmed: a value with whitespace after it (`107 `) is not an integer (406)",
         patch=[("        items = [p.strip() for v in vals for p in v.split(\",\") if p.strip()]\n",
                 "        items = [p for v in vals for p in re.split(r\",\\s*\", v) if p]\n")]),
    dict(name="media-type-case-sensitive", rules=["H5", "H3"],
         desc="the media type is compared case-sensitively: `Application/JSON` gets 415",
         patch=[("            mt = ct.split(\";\", 1)[0].strip().lower()\n", "            mt = ct.split(\";\", 1)[0].strip()\n")]),
    # ---------------------------------------------------------------- (d) encodings
    dict(name="latin1-default-charset", rules=["B13", "O16"],
         desc="the body is decoded with the charset of its Content-Type, ISO-8859-1 when none is given (HTTP/1.1's old default): non-ASCII text sent as plain application/json is stored as mojibake",
         patch=[("            return json.loads(self.body.decode(\"utf-8\"), parse_constant=no_constant)",
                 "            m = re.search(r\";\\s*charset=\\\"?([\\w-]+)\", ct, re.I)\n            return json.loads(self.body.decode(m.group(1) if m else \"iso-8859-1\"), parse_constant=no_constant)")]),
    dict(name="nul-truncates-strings", rules=["B13"],
         desc="property strings are stored as C strings: a value holding \\u0000 is cut at it",
         patch=[("        if v is None:\n            dst.pop(k, None)\n        else:\n            dst[k] = copy.deepcopy(v)\n",
                 "        if v is None:\n            dst.pop(k, None)\n        else:\n            if isinstance(v, str):\n                v = v.split(\"\\x00\", 1)[0]  # the store keeps NUL-terminated strings\n            dst[k] = copy.deepcopy(v)\n")]),
    dict(name="big-number-as-infinity", rules=["B13", "O16"],
         desc="a number beyond double range (1e400) is parsed as inf and written back as Infinity (the standard library's defaults): the answer and every later read are not JSON",
         patch=[("    f = float(text)\n    if math.isinf(f):\n        return Decimal(text)\n    return f\n", "    return float(text)\n"),
                ("        if math.isinf(v) or math.isnan(v):\n            raise ValueError(\"a non-finite number cannot be written as JSON\")\n        return _number_key(v) if canonical else float.__repr__(v)",
                 "        if math.isinf(v) or math.isnan(v):\n            return \"NaN\" if v != v else (\"Infinity\" if v > 0 else \"-Infinity\")\n        return _number_key(v) if canonical else float.__repr__(v)")]),
    dict(name="deep-nesting-500", rules=["O13"],
         desc="the body is parsed by the standard recursive parser alone: values nested some hundreds of levels deep parse, then crash the recursive copy of the session (RecursionError, 500); deeper ones hit the parser's own limit (400)",
         patch=[("        except RecursionError:\n            return _parse_iterative(text)\n        if _nested_deeper_than(v, DEEP):\n            return _parse_iterative(text)\n        return v\n",
                 "        except RecursionError:\n            raise ValueError(\"nested too deeply\")\n        return v\n"), CRASH]),
    dict(name="hand-written-escaper-astral", rules=["B13", "O16"],
         desc="strings are written by a hand-written escaper, \\u plus the code point in hex: characters outside the BMP (emoji) come out as \\u1f600, which reads back as U+1F60 followed by 0",
         patch=[("        return stdjson.dumps(v)                     # ASCII, \\uXXXX escapes\n",
                 "        return '\"' + \"\".join(c if \" \" <= c <= \"~\" and c not in '\"\\\\' else \"\\\\u%04x\" % ord(c) for c in v) + '\"'\n")]),
    dict(name="format-chars-stripped", rules=["B13"],
         desc="an input sanitizer strips invisible format characters (bidi marks and overrides, zero-width joiners: Unicode category Cf) from stored strings",
         patch=[("        if v is None:\n            dst.pop(k, None)\n        else:\n            dst[k] = copy.deepcopy(v)\n",
                 "        if v is None:\n            dst.pop(k, None)\n        else:\n            if isinstance(v, str):  # no invisible bidi tricks in what other players see\n                import unicodedata\n                v = \"\".join(c for c in v if unicodedata.category(c) != \"Cf\")\n            dst[k] = copy.deepcopy(v)\n")]),
    dict(name="nfc-normalized", rules=["B13"],
         desc="stored strings are normalised to NFC: a decomposed e + U+0301 reads back as the single U+00E9",
         patch=[("        if v is None:\n            dst.pop(k, None)\n        else:\n            dst[k] = copy.deepcopy(v)\n",
                 "        if v is None:\n            dst.pop(k, None)\n        else:\n            if isinstance(v, str):\n                import unicodedata\n                v = unicodedata.normalize(\"NFC\", v)\n            dst[k] = copy.deepcopy(v)\n")]),
    # ---------------------------------------------------------------- (e) header forms and framing
    dict(name="version-header-exact-case", rules=["H5", "H1.a"],
         desc="the contract version is looked up in a header map under its exact spelling: x-xbl-contract-version (as HTTP/2 stacks send it) is not found (406)",
         patch=[("        vals = self.headers.get_all(\"X-Xbl-Contract-Version\") or []\n",
                 "        vals = [v for k, v in self.headers.items() if k == \"X-Xbl-Contract-Version\"]\n")]),
    dict(name="repeated-version-last-wins", rules=["H1.d"],
         desc="repeated X-Xbl-Contract-Version fields overwrite each other in a header map: the last one wins, so 104 then 107 is served",
         patch=[("        vals = self.headers.get_all(\"X-Xbl-Contract-Version\") or []\n",
                 "        vals = (self.headers.get_all(\"X-Xbl-Contract-Version\") or [])[-1:]\n")]),
    dict(name="expect-417", rules=["H6"],
         desc="`Expect: 100-continue` is answered 417 Expectation Failed (no interim responses), and the connection closed",
         patch=[("    def handle_one_request(self):\n",
                 "    def handle_expect_100(self):\n        self.send_error(417, \"Expectation Failed\")\n        return False\n\n    def handle_one_request(self):\n")]),
    dict(name="json-answers-chunked", rules=["H6"],
         desc="JSON answers are streamed with Transfer-Encoding: chunked, to HTTP/1.0 clients too (who cannot decode it)",
         patch=[("            self.send_header(\"Content-Length\", str(len(body)))\n        if self.close_connection:\n            self.send_header(\"Connection\", \"close\")\n        self.end_headers()\n        if body and self.command != \"HEAD\":\n            self.wfile.write(body)\n",
                 "            if ctype == JSON_CT:\n                self.send_header(\"Transfer-Encoding\", \"chunked\")\n            else:\n                self.send_header(\"Content-Length\", str(len(body)))\n        if self.close_connection:\n            self.send_header(\"Connection\", \"close\")\n        self.end_headers()\n        if body and self.command != \"HEAD\":\n            self.wfile.write(b\"%x\\r\\n%s\\r\\n0\\r\\n\\r\\n\" % (len(body), body) if ctype == JSON_CT else body)\n")]),
    dict(name="chunk-extension-refused", rules=["H6"],
         desc="the chunk-size line must be hex digits and CRLF alone: a chunk extension (`1f;name=value`) makes the body malformed (400)",
         patch=[("            m = CHUNK_LINE_RE.match(line)\n", "            m = re.match(rb\"([0-9A-Fa-f]{1,16})\\r\\n\\Z\", line)\n")]),
    dict(name="chunked-limit-unenforced", rules=["B11", "H6"],
         desc="the 1 MiB body limit is enforced from Content-Length only: a chunked body of any size (up to 64 MiB) is read whole and served",
         patch=[("        self.body_too_big = total > MAX_BODY\n", ""),
                ("                if kept <= MAX_BODY:\n                    buf.append(chunk)\n                    kept += len(chunk)\n            if self.rfile.readline(3)",
                 "                buf.append(chunk)\n            if self.rfile.readline(3)")]),
    dict(name="early-error-body-unread", rules=["H6", "O13"],
         desc="the body is read only when a handler parses it: an early refusal (401, 404, 405, 406) leaves it unread on the kept-alive connection, and its bytes are read as the next request",
         patch=[("        try:\n            ok = self.read_body()\n        except Exception:\n            ok = False\n        if not ok:\n",
                 "        ok = True  # the body is read by the handler that needs it\n        self.body, self.body_too_big = None, False\n        if not ok:\n"),
                ("    def json_body(self):\n        if self.body_too_big:\n",
                 "    def json_body(self):\n        if self.body is None and not self.read_body():\n            self.close_connection = True\n            raise bad(\"malformed message framing\")\n        if self.body_too_big:\n")]),
    # ---------------------------------------------------------------- (f) handles and sessions after deletes, across templates
    dict(name="handle-read-common-fields-only", rules=["R4", "SH3"],
         desc="GET /handles/{id} renders every handle with the activity-handle fields: an invite reads back without invitedXuid, senderXuid, inviteAttributes and expiration",
         patch=[("            doc = copy.deepcopy(h[\"doc\"]) if h else None\n",
                 "            doc = {k: copy.deepcopy(v) for k, v in h[\"doc\"].items()\n                   if k in (\"id\", \"type\", \"version\", \"sessionRef\", \"titleId\", \"ownerXuid\", \"createTime\")} if h else None\n")]),
    dict(name="handle-read-owner-is-reader", rules=["R4", "SH3"],
         desc="GET /handles/{id} fills ownerXuid from the reader's identity (code shared with POST /handles)",
         patch=[("            doc = copy.deepcopy(h[\"doc\"]) if h else None\n",
                 "            doc = copy.deepcopy(h[\"doc\"]) if h else None\n            if doc is not None:\n                doc[\"ownerXuid\"] = self.caller\n")]),
    dict(name="deleted-handle-still-readable", rules=["R4", "G3"],
         desc="handle documents are read from a cache that DELETE does not clear: a deleted handle still reads back (200) while writes through it get 404",
         patch=[("        with LOCK:\n            HANDLES[hid] = rec\n", "        with LOCK:\n            HANDLES[hid] = rec\n            HANDLE_DOCS[hid] = doc\n"),
                ("            h = HANDLES.get(hid)\n            doc = copy.deepcopy(h[\"doc\"]) if h else None\n",
                 "            doc = copy.deepcopy(HANDLE_DOCS.get(hid))\n"),
                ("MISSING = object()\n", "MISSING = object()\nHANDLE_DOCS = {}\n")]),
    dict(name="constants-cached-by-name", rules=["O2", "O3", "B9"],
         desc="session constants are cached per session name, since they never change: a session created again after it was deleted (or after a nocommit create) shows the first incarnation's constants",
         patch=[("            doc = render_session(new) if new is not None else None\n",
                 "            if new is not None:  # constants never change once set: keep them per session\n                new[\"constants\"] = CONSTANTS.setdefault(key, new[\"constants\"])\n            doc = render_session(new) if new is not None else None\n"),
                ("MISSING = object()\n", "MISSING = object()\nCONSTANTS = {}\n")]),
    dict(name="store-keyed-by-name-only", rules=["R5", "R1"],
         desc="sessions are stored by name alone: two sessions with one name under different templates are the same session",
         patch=[("            key = (tpl[\"name\"], h[\"sessionRef\"][\"name\"].lower())", "            key = h[\"sessionRef\"][\"name\"].lower()"),
                ("            key = (tpl[\"name\"], name.lower())", "            key = name.lower()")]),
    dict(name="empty-persistent-collected-with-handle", rules=["O17", "R4"],
         desc="an empty session kept by a persistent template is deleted when the last handle to it is deleted (reference counting)",
         patch=[("            h = HANDLES.pop(hid, None)\n",
                 "            h = HANDLES.pop(hid, None)\n            if h is not None:  # collect an empty session no handle refers to any more\n                key = (h[\"_template\"], h[\"sessionRef\"][\"name\"].lower())\n                s = SESSIONS.get(key)\n                if s is not None and not s[\"members\"] and not any(\n                        (o[\"_template\"], o[\"sessionRef\"][\"name\"].lower()) == key for o in HANDLES.values()):\n                    del SESSIONS[key]\n")]),
    dict(name="invite-consumed-on-join", rules=["R4", "G1", "O16"],
         desc="an invite handle is used up when the invited user writes through it: it is deleted, so it no longer reads (404) nor resolves",
         patch=[("            else:\n                self.put_session(key, tpl, h[\"sessionRef\"][\"name\"], True)\n",
                 "            else:\n                self.put_session(key, tpl, h[\"sessionRef\"][\"name\"], True)\n                if h[\"doc\"].get(\"invitedXuid\") == self.caller:\n                    with LOCK:\n                        HANDLES.pop(hid, None)  # the invitation has been accepted\n")]),
    # ---------------------------------------------------------------- (g) a 500 on an input only `may` cases send
    dict(name="two-auth-headers-500", rules=["O13", "H2"],
         desc="repeated Authorization fields come as a list from the header map, and the parser calls .strip() on it: two Authorization headers crash",
         patch=[("        if len(vals) != 1:\n            raise HttpErr(401, headers=[(\"WWW-Authenticate\", \"XBL3.0\")])\n        v = vals[0].strip()\n",
                 "        if not vals:\n            raise HttpErr(401, headers=[(\"WWW-Authenticate\", \"XBL3.0\")])\n        v = (vals[0] if len(vals) == 1 else vals).strip()  # a repeated field is kept as a list\n"), CRASH]),
    dict(name="contract-108-500", rules=["O13", "H1.e"],
         desc="the contract version indexes a table of the known versions: 108 and above crash (KeyError)",
         patch=[("        self.contract_version = n\n",
                 "        self.contract_version = n\n        self.features = CONTRACT_FEATURES[n]\n"),
                ("MISSING = object()\n", "MISSING = object()\nCONTRACT_FEATURES = {104: (), 105: (), 106: (\"reservations\",), 107: (\"reservations\", \"search\")}\n"), CRASH]),
    dict(name="non-decimal-userhash-500", rules=["O13", "H2"],
         desc="the userhash is converted to a 64-bit xuid with int(): a userhash that is not decimal crashes",
         patch=[("                    caller = userhash\n", "                    caller = str(int(userhash))  # xuids are integers\n"), CRASH]),
    dict(name="weak-etag-500", rules=["O13", "H4"],
         desc="weak entity tags were left unimplemented: If-Match or If-None-Match with W/\"...\" raises NotImplementedError",
         patch=[("        tag = m.group(2)\n", "        tag = m.group(2)\n        if m.group(1):\n            raise NotImplementedError(\"weak entity tags\")\n"), CRASH]),
    dict(name="nocommit-1-500", rules=["O13", "B10"],
         desc="the nocommit value is looked up in a {true, false} table: nocommit=1 crashes (KeyError)",
         patch=[("            if v.strip().lower() in (\"true\", \"1\"):\n", "            if {\"true\": True, \"false\": False}[v.strip().lower()]:\n"), CRASH]),
    dict(name="empty-servers-500", rules=["O13", "B8"],
         desc="the servers refusal names the first server written: \"servers\": {} has none, and next() raises StopIteration",
         patch=[("    if req.servers:\n        raise HttpErr(403, \"only a server principal may write servers\")\n",
                 "    if req.servers is not None:\n        raise HttpErr(403, \"only a server principal may write servers (%s)\" % next(iter(req.servers)))\n"), CRASH]),
]

# Healthy variants that must pass everything (allowed choices the alt server does not make).
HEALTHY = [
    dict(name="healthy-throttled", rules=[],
         desc="a correct rate limiter (429 with Retry-After and the documented body)",
         patch=[("    def dispatch(self):\n",
                 "    def dispatch(self):\n        if throttle():\n            self.respond_json(429, {\"version\": 1, \"currentRequests\": 11, \"maxRequests\": 10, \"periodInSeconds\": 1, \"limitType\": \"Rolling\"}, [(\"Retry-After\", \"1\")])\n            self.close_connection = True\n            return\n"),
                ("MISSING = object()\n",
                 "MISSING = object()\nimport time as _t\n_HITS = []\ndef throttle():\n    with LOCK:\n        now = _t.monotonic()\n        _HITS[:] = [t for t in _HITS if now - t < 1.0]\n        _HITS.append(now)\n        return len(_HITS) > 40\n")]),
    dict(name="healthy-shedder", rules=[],
         desc="a correct load shedder (503 with Retry-After)",
         patch=[("    def dispatch(self):\n        try:\n            ok = self.read_body()\n        except Exception:\n            ok = False\n",
                 "    def dispatch(self):\n        if not SLOTS.acquire(blocking=False):\n            self.read_body()\n            self.respond_text(503, \"busy\", [(\"Retry-After\", \"1\")])\n            return\n        try:\n            self._dispatch()\n        finally:\n            SLOTS.release()\n\n    def _dispatch(self):\n        import time\n        time.sleep(0.002)\n        try:\n            ok = self.read_body()\n        except Exception:\n            ok = False\n"),
                ("MISSING = object()\n", "MISSING = object()\nSLOTS = threading.BoundedSemaphore(4)\n")]),
]

# ====================================================================== found by `explore`
# Bugs the seeded explorer (`mpsd-conformance explore`) is meant to find: races between a check
# and the store, writes published in parts, incrementally kept member lists and counts, session
# and member lifecycles, handles after deletes. Written as a vendor would write them into this
# server; `run.py --explore` plants each one and explores it (`run.py` alone runs the catalog).
# Where a store call is a network call away, the patch adds STORE_ROUND_TRIP (3 ms) of sleep
# between loading and saving: the server is threaded, so two requests sent at once interleave.

ROUND_TRIP = [
    ("import threading\n", "import threading\nimport time\n"),
    ("BODY_READ_TIMEOUT = 30      # seconds a sender may stall while sending a body\n",
     "BODY_READ_TIMEOUT = 30      # seconds a sender may stall while sending a body\n"
     "STORE_ROUND_TRIP = 0.003   # seconds: one call to the session store\n"),
]

# The store block of put_session, as the healthy server has it (one lock around load, check, save).
PUT_BLOCK = '''        with LOCK:
            cur = SESSIONS.get(key)
            self.check_preconditions(cur, with_cl)
            status, new = apply_write(cur, req, self.caller, tpl, display_name)
            if not nocommit:
                if status == 204:
                    SESSIONS.pop(key, None)
                else:
                    SESSIONS[key] = new
            doc = render_session(new) if new is not None else None
'''

# The members' linked list and counts as fields kept up to date write by write, instead of
# derived from the members when rendered (the families below break one update each).
JOIN_ADDED = '''                "reserved": False,
                "joinTime": now_iso(),
            }
            touched.append(new_idx)
'''
RESERVATION_ADDED = '''            "reserved": True,
            "joinTime": None,
        }
        touched.append(new_idx)
'''
LEAVE = '''        idx = find(caller)
        if idx is not None:
            del members[idx]
'''

EXPLORE_BUGS = [
    # ---------------------------------------------------------------- races between check and store
    dict(name="lost-update", rules=["O15", "B13", "B4.a"],
         desc="a write loads the session, judges and merges the change, and saves the result a store round trip later, without holding the lock across it: of two writes at once the later save drops the earlier's change",
         patch=ROUND_TRIP + [(PUT_BLOCK, '''        with LOCK:
            cur = copy.deepcopy(SESSIONS.get(key))      # load the session document
        self.check_preconditions(cur, with_cl)
        status, new = apply_write(cur, req, self.caller, tpl, display_name)
        time.sleep(STORE_ROUND_TRIP)
        with LOCK:                                      # save it
            if not nocommit:
                if status == 204:
                    SESSIONS.pop(key, None)
                else:
                    SESSIONS[key] = new
            doc = render_session(new) if new is not None else None
''')]),
    dict(name="if-match-before-lock", rules=["H4.c"],
         desc="If-Match is compared with the session as loaded before the lock is taken (the front end checks the ETag, then hands the write to the store, which applies it atomically): two writers holding one ETag both win",
         patch=ROUND_TRIP + [(PUT_BLOCK, '''        conditional = self.headers.get("If-Match") is not None
        if conditional:
            with LOCK:
                loaded = SESSIONS.get(key)
            self.check_preconditions(loaded, with_cl)   # the ETag, against the session as loaded
            time.sleep(STORE_ROUND_TRIP)
        with LOCK:
            cur = SESSIONS.get(key)
            if not conditional:
                self.check_preconditions(cur, with_cl)
            status, new = apply_write(cur, req, self.caller, tpl, display_name)
            if not nocommit:
                if status == 204:
                    SESSIONS.pop(key, None)
                else:
                    SESSIONS[key] = new
            doc = render_session(new) if new is not None else None
''')]),
    dict(name="if-none-match-before-lock", rules=["H4.a"],
         desc="If-None-Match: * is checked on the session as loaded before the lock is taken: two create-only writes sent at once both succeed (the first creates, the second is applied to it as an update)",
         patch=ROUND_TRIP + [(PUT_BLOCK, '''        create_only = self.headers.get("If-None-Match") is not None
        if create_only:
            with LOCK:
                loaded = SESSIONS.get(key)
            self.check_preconditions(loaded, with_cl)   # is it there already?
            time.sleep(STORE_ROUND_TRIP)
        with LOCK:
            cur = SESSIONS.get(key)
            if not create_only:
                self.check_preconditions(cur, with_cl)
            status, new = apply_write(cur, req, self.caller, tpl, display_name)
            if not nocommit:
                if status == 204:
                    SESSIONS.pop(key, None)
                else:
                    SESSIONS[key] = new
            doc = render_session(new) if new is not None else None
''')]),
    dict(name="created-from-snapshot", rules=["H4.a", "O2", "B4.a"],
         desc="whether a write creates the session is decided before the lock is taken (create or update?): of two creating writes sent at once both take the create path, both answer 201, and the later replaces the earlier's session",
         patch=ROUND_TRIP + [(PUT_BLOCK, '''        with LOCK:
            exists = key in SESSIONS                    # create or update?
        time.sleep(STORE_ROUND_TRIP)
        with LOCK:
            cur = SESSIONS.get(key) if exists else None  # a create starts from a new record
            self.check_preconditions(cur, with_cl)
            status, new = apply_write(cur, req, self.caller, tpl, display_name)
            if not nocommit:
                if status == 204:
                    SESSIONS.pop(key, None)
                else:
                    SESSIONS[key] = new
            doc = render_session(new) if new is not None else None
''')]),
    dict(name="join-index-from-snapshot", rules=["B4.a", "SH2"],
         desc="a joiner's index is allocated from the session as loaded before the lock is taken (the seat is picked while the request is prepared): two joins sent at once get the same index, and the later replaces the earlier member",
         patch=ROUND_TRIP + [(PUT_BLOCK, '''        with LOCK:
            loaded = SESSIONS.get(key)
            req.seat = loaded["next"] if loaded is not None else None   # the joiner's seat
        time.sleep(STORE_ROUND_TRIP)
''' + PUT_BLOCK),
                             ('''            new_idx = allocate_index(s, kept)
''', '''            seat = getattr(req, "seat", None)
            new_idx = allocate_index(s, kept if kept is not None or seat is None else seat)
            s["next"] = max(s["next"], new_idx + 2)
''')]),
    # ---------------------------------------------------------------- publishing
    dict(name="partial-publish", rules=["B4.a", "O16"],
         desc="a write publishes a new member (with its constants) in one store call and its properties in a second one, a round trip later: a request served in between sees the member without its properties (and a write in between is computed from it)",
         patch=ROUND_TRIP + [(PUT_BLOCK, '''        later = {}
        with LOCK:
            cur = SESSIONS.get(key)
            self.check_preconditions(cur, with_cl)
            status, new = apply_write(cur, req, self.caller, tpl, display_name)
            if not nocommit:
                if status == 204:
                    SESSIONS.pop(key, None)
                else:
                    SESSIONS[key], later = split_new_members(new, cur)   # the member rows first
            doc = render_session(new) if new is not None else None
        if later:
            time.sleep(STORE_ROUND_TRIP)
            with LOCK:                                  # then their property rows
                stored = SESSIONS.get(key)
                for idx, props in later.items():
                    if stored is not None and idx in stored["members"]:
                        stored["members"][idx]["properties"] = props
'''), ('''def apply_write(cur, req, caller, tpl, display_name):
''', '''def split_new_members(new, cur):
    """The session with each new member's properties left out, and those properties by index:
    the member table and the member properties table are written by two store calls."""
    rows = copy.deepcopy(new)
    later = {}
    for idx, m in new["members"].items():
        if cur is None or idx not in cur["members"]:
            later[idx] = copy.deepcopy(m["properties"])
            rows["members"][idx]["properties"] = {"system": {}, "custom": {}}
    return rows, later


def apply_write(cur, req, caller, tpl, display_name):
''')]),
    dict(name="nocommit-rollback", rules=["B10", "O16"],
         desc="?nocommit=true is a trial write: it is applied and stored like any other, answered, and undone a round trip later by storing back the session loaded before it: a read in between sees the uncommitted change, and a write in between is lost",
         patch=ROUND_TRIP + [(PUT_BLOCK, '''        with LOCK:
            cur = SESSIONS.get(key)
            self.check_preconditions(cur, with_cl)
            status, new = apply_write(cur, req, self.caller, tpl, display_name)
            if status == 204:
                SESSIONS.pop(key, None)
            else:
                SESSIONS[key] = new
            if nocommit:
                self.undo = [cur]                       # put back once answered
            doc = render_session(new) if new is not None else None
'''), ('''    def put_session(self, key, tpl, display_name, with_cl):
''', '''    def put_session(self, key, tpl, display_name, with_cl):
        self.undo = None
        try:
            self.write_session(key, tpl, display_name, with_cl)
        finally:
            if self.undo is not None:                   # a trial write: roll it back
                time.sleep(STORE_ROUND_TRIP)
                with LOCK:
                    if self.undo[0] is None:
                        SESSIONS.pop(key, None)
                    else:
                        SESSIONS[key] = self.undo[0]

    def write_session(self, key, tpl, display_name, with_cl):
''')]),
    # ---------------------------------------------------------------- linked list and counts
    dict(name="next-not-relinked-on-leave", rules=["SH2"],
         desc="each member stores its `next`: set when it joins (it points at membersInfo.next, and the member before it is pointed at it), never mended when a member leaves",
         patch=[(JOIN_ADDED, JOIN_ADDED + "            link_new_member(members, new_idx, s)\n"),
                (RESERVATION_ADDED, RESERVATION_ADDED + "        link_new_member(members, new_idx, s)\n"),
                ('''        nxt = idxs[i + 1] if i + 1 < len(idxs) else s["next"]
''', '''        nxt = m.get("link", s["next"])
'''),
                ('''def apply_write(cur, req, caller, tpl, display_name):
''', '''def link_new_member(members, idx, s):
    """Members form a linked list: the one before a new member points at it, and it points at
    membersInfo.next."""
    before = [i for i in members if i < idx]
    if before:
        members[max(before)]["link"] = idx
    members[idx]["link"] = s["next"]


def apply_write(cur, req, caller, tpl, display_name):
''')]),
    dict(name="first-not-moved-on-leave", rules=["SH2"],
         desc="membersInfo.first is a stored field, set when a member is added to an empty session and never moved: after the first member leaves it still names that member's index",
         patch=[(JOIN_ADDED, JOIN_ADDED + "            if len(members) == 1:\n                s[\"first\"] = new_idx\n"),
                (RESERVATION_ADDED, RESERVATION_ADDED + "        if len(members) == 1:\n            s[\"first\"] = new_idx\n"),
                ('''        info["first"] = idxs[0]
''', '''        info["first"] = s.get("first", idxs[0])
''')]),
    dict(name="count-bumped-on-reserved-join", rules=["SH2", "B6"],
         desc="membersInfo.count is a stored counter: +1 per member added, -1 per leave; a reserved member who joins is added again (+1) though its reservation was not taken off",
         patch=[('''        "next": 1,               # indexes start at 1 and go up by 2
''', '''        "next": 1,               # indexes start at 1 and go up by 2
        "count": 0,
'''),
                (JOIN_ADDED, JOIN_ADDED + "            s[\"count\"] += 1\n"),
                (RESERVATION_ADDED, RESERVATION_ADDED + "        s[\"count\"] += 1\n"),
                (LEAVE, LEAVE + "            s[\"count\"] -= 1\n"),
                ('''    info = {"next": s["next"], "count": len(idxs), "accepted": accepted}''',
                 '''    info = {"next": s["next"], "count": s["count"], "accepted": accepted}''')]),
    dict(name="accepted-missed-on-reserved-join", rules=["SH2.a", "B6"],
         desc="membersInfo.accepted is a stored counter, bumped for members added as accepted (a fresh joiner) and dropped when an accepted member leaves: a reserved member who joins is never counted",
         patch=[('''        "next": 1,               # indexes start at 1 and go up by 2
''', '''        "next": 1,               # indexes start at 1 and go up by 2
        "accepted": 0,
'''),
                (JOIN_ADDED, JOIN_ADDED + "            if idx is None:  # a reservation's seat was counted when it was reserved\n                s[\"accepted\"] += 1\n"),
                (LEAVE, '''        idx = find(caller)
        if idx is not None:
            if not members[idx]["reserved"]:
                s["accepted"] -= 1
            del members[idx]
'''),
                ('''    info = {"next": s["next"], "count": len(idxs), "accepted": accepted}''',
                 '''    info = {"next": s["next"], "count": len(idxs), "accepted": s["accepted"]}''')]),
    # ---------------------------------------------------------------- lifecycle
    dict(name="last-accepted-leave-deletes", rules=["O3", "B6"],
         desc="a lobby (sessionEmptyTimeout 0) is closed when its last accepted member leaves: the reservations still in it are dropped and the session deleted (204)",
         patch=[(LEAVE, LEAVE + '''            if tpl["sessionEmptyTimeout"] == 0 and all(m["reserved"] for m in members.values()):
                members.clear()                         # nobody is left playing: close it
''')]),
    dict(name="recreate-restores-properties", rules=["O2", "O3", "B13"],
         desc="a deleted session is only marked deleted (its record kept by name); creating it again brings the row back, with its old properties under the write's own",
         patch=[("MISSING = object()\n", "MISSING = object()\nDELETED_SESSIONS = {}         # key -> the record, as it was when deleted\n"),
                ('''                if status == 204:
                    SESSIONS.pop(key, None)
''', '''                if status == 204:
                    if key in SESSIONS:
                        DELETED_SESSIONS[key] = SESSIONS.pop(key)
'''),
                ('''            status, new = apply_write(cur, req, self.caller, tpl, display_name)
''', '''            status, new = apply_write(cur, req, self.caller, tpl, display_name)
            if cur is None and new is not None and key in DELETED_SESSIONS:
                props = copy.deepcopy(DELETED_SESSIONS[key]["properties"])   # undelete the row
                for part in ("system", "custom"):
                    merge_props(props[part], (req.properties or {}).get(part, {}))
                new["properties"] = props
''')]),
    dict(name="rejoin-restores-properties", rules=["B4.a", "B13"],
         desc="a member's properties are kept by xuid in the session record after it leaves (for a quick rejoin): joining again starts from them",
         patch=[(LEAVE, '''        idx = find(caller)
        if idx is not None:
            s.setdefault("departed", {})[caller] = members[idx]["properties"]   # for a rejoin
            del members[idx]
'''),
                ('''            props = {"system": {}, "custom": {}}
            for part in ("system", "custom"):
                merge_props(props[part], me.get(''', '''            props = copy.deepcopy(s.get("departed", {}).get(caller)) or {"system": {}, "custom": {}}
            for part in ("system", "custom"):
                merge_props(props[part], me.get(''')]),
    dict(name="read-bumps-change-number", rules=["O16", "H4.c"],
         desc="every read stores the session's last-read time in its record, and every save of the record is a new version: a read bumps changeNumber and the ETag",
         patch=[('''        with LOCK:
            s = SESSIONS.get(key)
            doc = render_session(s) if s else None
''', '''        with LOCK:
            s = SESSIONS.get(key)
            if s is not None:                           # remember when it was last read
                s = copy.deepcopy(s)
                s["lastRead"] = now_iso()
                s["changeNumber"] += 10                 # a save is a new version
                s["etag"] = new_etag(s["changeNumber"])
                SESSIONS[key] = s
            doc = render_session(s) if s else None
''')]),
    dict(name="etag-of-members-only", rules=["H4.c", "O15"],
         desc="the ETag is a digest of the members (what clients poll a session for): a change of the session's properties or constants keeps it",
         patch=[('''        s["etag"] = new_etag(100)
''', '''        s["etag"] = members_etag(s)
'''), ('''    s["etag"] = new_etag(s["changeNumber"])
''', '''    s["etag"] = members_etag(s)
'''), ('''def apply_write(cur, req, caller, tpl, display_name):
''', '''def members_etag(s):
    """The ETag: a digest of the roster."""
    return '"%s"' % hashlib.sha1(json.dumps(s["members"], sort_keys=True).encode("ascii")).hexdigest()[:20]


def apply_write(cur, req, caller, tpl, display_name):
''')]),
    # ---------------------------------------------------------------- handles after deletes
    dict(name="handle-ids-reused", rules=["G3", "R4"],
         desc="a deleted handle's id goes back to a pool that the next POST /handles takes its id from: the old id names the new handle (reads, writes and deletes through it reach the new one)",
         patch=[("MISSING = object()\n", "MISSING = object()\nFREE_HANDLE_IDS = []          # ids of deleted handles, given out again\n"),
                ('''        hid = str(uuid.uuid4())
''', '''        with LOCK:
            hid = FREE_HANDLE_IDS.pop() if FREE_HANDLE_IDS else str(uuid.uuid4())
'''), ('''            h = HANDLES.pop(hid, None)
''', '''            h = HANDLES.pop(hid, None)
            if h is not None:
                FREE_HANDLE_IDS.append(hid)
''')]),
    dict(name="write-through-deleted-handle", rules=["G3", "R1"],
         desc="writes resolve a handle through a routing cache that DELETE /handles/{id} does not clear: a PUT through a deleted handle still writes its session, while reads through it get 404",
         patch=[("MISSING = object()\n", "MISSING = object()\nHANDLE_ROUTES = {}            # handle id -> handle record, for the write path\n"),
                ('''        with LOCK:
            HANDLES[hid] = rec
''', '''        with LOCK:
            HANDLES[hid] = rec
            HANDLE_ROUTES[hid] = rec
'''), ('''            with LOCK:
                h = HANDLES.get(hid)
            if h is None:
''', '''            with LOCK:
                h = HANDLES.get(hid)
                if h is None and self.command == "PUT":
                    h = HANDLE_ROUTES.get(hid)
            if h is None:
''')]),
]
