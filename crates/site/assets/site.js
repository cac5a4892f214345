// The public site's pages, drawn from the JSON data files beside them (crates/site/src/lib.rs
// describes each). Plain JavaScript with no library, so that it runs from any static server or
// from file://, where the data is read through the .js twin of each file. Every string from the
// data goes in as text, never as HTML.
(function () {
  "use strict";

  var T = {
    en: {
      nav_summary: "Summary", nav_results: "Results by area", nav_flags: "Flags and alerts",
      nav_witnesses: "Witnesses", nav_find: "Find my name", language: "Language",
      footer: "Every figure here is rebuilt from the election's signed, witnessed log, which anyone can replay with scrutineer replay.",
      skip: "Skip to the content", loading: "Loading…", loaded: "Loaded.",
      not_found: "This page's data file is missing", entries: "entries in the log",
      summary: "National summary", totals: "Totals by source", source: "Source", forms: "Forms",
      valid: "Valid ballots", invalid: "Invalid ballots", seats: "Seats", party: "Party",
      roll: "Registered voters by area", area: "Area", stations: "Stations",
      registered: "Registered (published)", on_roll: "On the roll",
      pvt: "Parallel vote tabulation beside the official result", figure: "Figure",
      estimate: "PVT estimate", interval95: "95% interval", official_share: "Official",
      inside: "Inside the 95% interval", yes: "yes", no: "NO",
      pvt_none: "No PVT sample is recorded in the log.",
      results: "Results", whole: "The whole election", differing: "Stations where a copy differs",
      differs_word: "differs from the official form", no_difference: "no copy differs",
      n_differ: "{n} station(s) where a copy differs from the official form",
      no_witness: "No witness is named for this log.",
      copies_of: "copies from {n} of {m} stations", station: "Station",
      station_forms: "The copies of this station's form, side by side",
      differences: "Where a copy differs from the official form",
      diff_line: "{source} says {copy} for {figure}; the official form says {official}.",
      valid_s: "valid ballots", invalid_s: "invalid ballots",
      none_differ: "Every copy agrees with the official form.",
      photos: "Photographs of the form", photo_note: "Served by scrutineer serve at /blob/HASH; each is named by its SHA-256.",
      no_photos: "No photograph of the form is recorded.",
      flags: "Public flags", flags_here: "Flags at this station", no_flags: "No flag is raised.",
      kind: "Kind", entry: "Entry", message: "What it says", alerts: "Poll book alerts",
      count: "Count", at: "Claimed time (UTC)", shown: "The first {n} of {m} are shown; every one is in data/flags.json.",
      witnesses: "Witnesses", witness: "Witness", cosigned_size: "Cosigned up to entry",
      cosigned_at: "Last cosignature (UTC)", no_status: "This copy of the site was written without the log's status.",
      checkpoint: "Latest checkpoint: {size} entries, cosigned by {n} witness(es).",
      find: "Find my name", find_intro: "Type your name as it is on your card, in Khmer script or in Latin letters. Up to two typing mistakes are forgiven.",
      name: "Name", birth_year: "Year of birth (optional)", area_code: "Area code (optional)",
      search: "Search", found_none: "No voter found with that name.",
      found_n: "{n} voter(s) found, the closest first.", edits: "{n} letter(s) differ",
      swapped: "names in the other order", born: "born {y}",
      needs_server: "Find my name needs the server: it searches the roll through scrutineer serve (/api/find). This copy of the site is static files, so the search is not available here.",
      too_many: "Too many searches from your address; try again in {s} seconds.",
      level_province: "Province", level_district: "District", level_commune: "Commune",
      level_station: "Station", votes: "Votes",
      nav_day: "Election day", nav_forensics: "Forensics",
      day: "Election day", where: "Where to look", nothing_below: "Nothing reported.",
      c_flags: "{n} public flag(s)", c_alerts: "{n} poll-book alert(s)", c_gaps: "{n} reconciliation gap(s) at {m} station(s)",
      c_checklists: "{n} observer checklist(s)", c_incidents: "{n} incident(s)", c_conflicts: "{n} field(s) where observers disagree",
      c_complaints: "{n} complaint(s), {o} open, {d} overdue", c_checkins: "{n} check-in(s)", c_cards: "{n} on a card without an identity document",
      below_here: "Below this area: ", day_col: "Election day", checkins: "Check-ins", turnout: "Turnout (check-ins)",
      registered_here: "Registered voters", counted: "Ballots counted on the official form", cards_nodoc: "Check-ins on a card without an identity document",
      share_turnout: "{p} of this station's turnout", no_checkins: "No check-in is recorded at this station.",
      alerts_here: "Poll-book alerts naming this station", no_alerts: "No poll-book alert names this station.",
      gaps_here: "Ballot reconciliation", no_gaps: "The official form's ballots reconcile: no gap.",
      checklists_here: "Observers' checklists", no_checklists: "No observer checklist is recorded here.",
      observer: "Observer", point: "Point of the day", channel: "Channel", answers: "Answers",
      merged_here: "Where observers disagree", merged_line: "{n} observers ({who}) at {point}: they disagree on {fields}.", merged_agree: "{n} observers ({who}) at {point}: they agree on every field.",
      incidents_here: "Incidents", no_incidents: "No incident is reported here.", category: "Category", severity: "Severity", text: "What happened",
      complaints_here: "Complaints", no_complaints: "No complaint is recorded.", status: "Status", filed_by: "Filed by",
      witnessed: "Seen by the witnesses (UTC)", deadlines: "Deadlines (UTC, by witness time)", act_by: "act by {t}", decide_by: "decide by {t}",
      overdue: "OVERDUE", no_deadline: "no deadline yet: no witnessed checkpoint covers it", reasons: "Reasons",
      overdue_list: "Overdue complaints", none_overdue: "No complaint is waiting past its deadline.",
      overdue_line: "Complaint {i} ({cat}) about {place}, filed by {who}, seen by the witnesses at {w}: nothing was done by {by}.",
      status_received: "received", status_under_investigation: "under investigation", status_upheld: "upheld", status_dismissed: "dismissed",
      a_double_checkin: "second check-in", a_card_reused: "card used again", a_not_on_list: "not on this station's list",
      a_conflicting_checkin: "check-in sent again with other details", a_unknown_card: "card never issued", a_card_wrong_station: "card for another station",
      a_card_unapproved: "card issued above the threshold without approval", a_card_over_threshold: "card issued above the officer's daily threshold",
      alert_line: "{what} at station {station} (check-in {checkin}, {at})", alert_first: "; first at station {station} (check-in {checkin}, {at}, entry {entry})",
      alert_other: "; station {station}", alert_entry: "entry {entry}",
      g_unaccounted_ballots: "ballots received are not issued + spoiled + unused", g_issued_vs_checkins: "ballots issued are not the check-ins",
      g_counted_vs_issued: "ballots counted are not the ballots issued",
      gap_line: "{what}: {figures}; gap {size}.", gaps_list: "Reconciliation gaps", gaps_none: "No reconciliation gap.",
      without_accounting: "{n} official form(s) lack the ballot-accounting fields (not counted as gaps): {list}",
      cards: "Temporary cards", by_officer: "By registration officer", by_commune: "By commune", issued: "Issued",
      nodoc: "Without an identity document", over_threshold: "Above the daily threshold", approved: "Approved by the commission",
      checklists_by_form: "Checklists by form and point of the day", signed: "Signed", by_sms: "By SMS",
      incidents_by: "Incidents by category and severity", sms_counts: "SMS received: {r}; counted: {a}; flagged: {f}; refused: {x}; repeats: {p}; unknown senders: {u}.",
      conflicts_list: "Stations where observers disagree",
      forensics: "Forensics of the official results", forensics_none: "No forensics: {why}",
      forensics_intro: "Statistical fingerprints of the official forms at {n} stations. They point to where to look; they prove nothing on their own.",
      leader_line: "Leader: {name}, with {share} of the ballots counted.",
      integer_line: "Whole-number percentages (turnout or the leader's share within 0.05 points of a whole percent): {k} stations, where chance gives {mean} on average (p = {p}, {r} simulations).",
      digits_alt: "Histogram of the last digit of each party's count at each station (counts of 10 or more); the dashed line is the count each digit has when digits are uniform.",
      digits_words: "Last digits, 0 to 9: {list}; uniform digits would give about {e} each.",
      fingerprint_alt: "Scatter of each station's turnout against the leader's share of its valid votes.",
      fingerprint_words: "A cloud stretched toward full turnout and a high share for the leader is the signature of ballot stuffing ({n} stations).",
      red_flags: "Red flags", flagged: "Stations flagged", flagged_shown: "The first {n} of {m} flagged stations are listed.",
      pvt_alt: "Dot and whisker plot of the PVT's estimates and 95% intervals, with the official shares as diamonds (red when outside).",
      entry_n: "entry {n}", digits_title: "Last digits of the vote counts", fingerprint_title: "Turnout against the leader's share",
      f_received: "received", f_issued: "issued", f_spoiled: "spoiled", f_unused: "unused", f_checkins: "check-ins", f_counted: "counted",
      seat_tie: "{parties} tie for seat {seat} of {of} in {area}: that constituency's seats are not counted above; the commission's own rule settles the tie.",
      missing_forms: "{n} constituencies without official forms: {list}"
    },
    km: {
      nav_summary: "សេចក្ដីសង្ខេប", nav_results: "លទ្ធផលតាមតំបន់", nav_flags: "សញ្ញាព្រមាន",
      nav_witnesses: "សាក្សី", nav_find: "រកឈ្មោះខ្ញុំ", language: "ភាសា",
      footer: "តួលេខនីមួយៗនៅទីនេះ បានបង្កើតឡើងវិញពីកំណត់ត្រាដែលបានចុះហត្ថលេខា និងមានសាក្សីបញ្ជាក់ ដែលអ្នកណាក៏អាចពិនិត្យឡើងវិញបាន។",
      skip: "រំលងទៅខ្លឹមសារ", loading: "កំពុងផ្ទុក…", loaded: "បានផ្ទុករួច។",
      not_found: "រកមិនឃើញឯកសារទិន្នន័យនៃទំព័រនេះ", entries: "ធាតុក្នុងកំណត់ត្រា",
      summary: "សេចក្ដីសង្ខេបថ្នាក់ជាតិ", totals: "សរុបតាមប្រភព", source: "ប្រភព", forms: "សន្លឹក",
      valid: "សន្លឹកឆ្នោតត្រឹមត្រូវ", invalid: "សន្លឹកឆ្នោតមិនត្រឹមត្រូវ", seats: "អាសនៈ", party: "គណបក្ស",
      roll: "អ្នកបោះឆ្នោតដែលបានចុះឈ្មោះ តាមតំបន់", area: "តំបន់", stations: "ការិយាល័យបោះឆ្នោត",
      registered: "បានចុះឈ្មោះ (ផ្សព្វផ្សាយ)", on_roll: "ក្នុងបញ្ជីឈ្មោះ",
      pvt: "ការរាប់សន្លឹកឆ្នោតស្របគ្នា (PVT) ធៀបនឹងលទ្ធផលផ្លូវការ", figure: "តួលេខ",
      estimate: "ការប៉ាន់ស្មាន PVT", interval95: "ចន្លោះ ៩៥%", official_share: "ផ្លូវការ",
      inside: "នៅក្នុងចន្លោះ ៩៥%", yes: "បាទ/ចាស", no: "ទេ",
      pvt_none: "មិនមានគំរូ PVT ក្នុងកំណត់ត្រាទេ។",
      results: "លទ្ធផល", whole: "ការបោះឆ្នោតទាំងមូល", differing: "ការិយាល័យដែលមានច្បាប់ចម្លងខុសគ្នា",
      differs_word: "ខុសពីសន្លឹកផ្លូវការ", no_difference: "គ្មានច្បាប់ចម្លងណាខុសទេ",
      n_differ: "ការិយាល័យ {n} ដែលមានច្បាប់ចម្លងខុសពីសន្លឹកផ្លូវការ",
      no_witness: "កំណត់ត្រានេះ មិនមានសាក្សីទេ។",
      copies_of: "ច្បាប់ចម្លងពី {n} ក្នុងចំណោម {m} ការិយាល័យ", station: "ការិយាល័យបោះឆ្នោត",
      station_forms: "ច្បាប់ចម្លងនៃសន្លឹកលទ្ធផលរបស់ការិយាល័យនេះ ដាក់ទន្ទឹមគ្នា",
      differences: "កន្លែងដែលច្បាប់ចម្លងខុសពីសន្លឹកផ្លូវការ",
      diff_line: "{source} កត់ {copy} សម្រាប់ {figure}; សន្លឹកផ្លូវការកត់ {official}។",
      valid_s: "សន្លឹកឆ្នោតត្រឹមត្រូវ", invalid_s: "សន្លឹកឆ្នោតមិនត្រឹមត្រូវ",
      none_differ: "ច្បាប់ចម្លងទាំងអស់ដូចសន្លឹកផ្លូវការ។",
      photos: "រូបថតសន្លឹកលទ្ធផល", photo_note: "ម៉ាស៊ីនមេ scrutineer serve ផ្ដល់ជូននៅ /blob/HASH ។",
      no_photos: "មិនមានរូបថតសន្លឹកលទ្ធផលទេ។",
      flags: "សញ្ញាព្រមានសាធារណៈ", flags_here: "សញ្ញាព្រមាននៅការិយាល័យនេះ", no_flags: "គ្មានសញ្ញាព្រមានទេ។",
      kind: "ប្រភេទ", entry: "ធាតុ", message: "ខ្លឹមសារ", alerts: "ការព្រមានពីបញ្ជីវត្តមាន",
      count: "ចំនួន", at: "ពេលវេលាដែលបានអះអាង (UTC)", shown: "បង្ហាញ {n} ដំបូង ក្នុងចំណោម {m}; ទាំងអស់មាននៅ data/flags.json ។",
      witnesses: "សាក្សី", witness: "សាក្សី", cosigned_size: "បានចុះហត្ថលេខារួមដល់ធាតុ",
      cosigned_at: "ហត្ថលេខាចុងក្រោយ (UTC)", no_status: "ច្បាប់ចម្លងនេះ ត្រូវបានសរសេរដោយគ្មានស្ថានភាពកំណត់ត្រា។",
      checkpoint: "ចំណុចត្រួតពិនិត្យចុងក្រោយ៖ {size} ធាតុ, សាក្សី {n} បានចុះហត្ថលេខា។",
      find: "រកឈ្មោះខ្ញុំ", find_intro: "វាយឈ្មោះរបស់អ្នក ដូចនៅលើប័ណ្ណ ជាអក្សរខ្មែរ ឬអក្សរឡាតាំង។ កំហុសវាយរហូតដល់ពីរ ត្រូវបានអភ័យទោស។",
      name: "ឈ្មោះ", birth_year: "ឆ្នាំកំណើត (ស្រេចចិត្ត)", area_code: "លេខកូដតំបន់ (ស្រេចចិត្ត)",
      search: "ស្វែងរក", found_none: "រកមិនឃើញអ្នកបោះឆ្នោតដែលមានឈ្មោះនេះទេ។",
      found_n: "រកឃើញអ្នកបោះឆ្នោត {n} នាក់ ជិតបំផុតមុនគេ។", edits: "ខុស {n} អក្សរ",
      swapped: "ឈ្មោះតាមលំដាប់ផ្ទុយ", born: "កើតឆ្នាំ {y}",
      needs_server: "ការរកឈ្មោះ ត្រូវការម៉ាស៊ីនមេ scrutineer serve (/api/find)។ ច្បាប់ចម្លងនេះជាឯកសារឋិតិវន្ត ដូច្នេះមិនអាចស្វែងរកនៅទីនេះបានទេ។",
      too_many: "ការស្វែងរកច្រើនពេកពីអាសយដ្ឋានរបស់អ្នក; សូមព្យាយាមម្ដងទៀតក្នុងរយៈពេល {s} វិនាទី។",
      level_province: "ខេត្ត", level_district: "ស្រុក", level_commune: "ឃុំ",
      level_station: "ការិយាល័យបោះឆ្នោត", votes: "សំឡេងឆ្នោត",
      nav_day: "ថ្ងៃបោះឆ្នោត", nav_forensics: "កោសល្យវិច្ច័យ",
      day: "ថ្ងៃបោះឆ្នោត", where: "កន្លែងគួរពិនិត្យ", nothing_below: "គ្មានរបាយការណ៍ទេ។",
      c_flags: "សញ្ញាព្រមានសាធារណៈ {n}", c_alerts: "ការព្រមានពីបញ្ជីវត្តមាន {n}", c_gaps: "គម្លាតផ្ទៀងផ្ទាត់សន្លឹកឆ្នោត {n} នៅការិយាល័យ {m}",
      c_checklists: "បញ្ជីត្រួតពិនិត្យរបស់អ្នកសង្កេតការណ៍ {n}", c_incidents: "ឧប្បត្តិហេតុ {n}", c_conflicts: "វាល {n} ដែលអ្នកសង្កេតការណ៍មិនយល់ស្រប",
      c_complaints: "ពាក្យបណ្ដឹង {n} (បើក {o}, ហួសកំណត់ {d})", c_checkins: "ការចុះវត្តមាន {n}", c_cards: "{n} ប្រើប័ណ្ណគ្មានឯកសារអត្តសញ្ញាណ",
      below_here: "ក្រោមតំបន់នេះ៖ ", day_col: "ថ្ងៃបោះឆ្នោត", checkins: "ការចុះវត្តមាន", turnout: "អត្រាចូលរួម (ការចុះវត្តមាន)",
      registered_here: "អ្នកបោះឆ្នោតដែលបានចុះឈ្មោះ", counted: "សន្លឹកឆ្នោតដែលបានរាប់ លើសន្លឹកផ្លូវការ", cards_nodoc: "ការចុះវត្តមានដោយប័ណ្ណគ្មានឯកសារអត្តសញ្ញាណ",
      share_turnout: "{p} នៃអត្រាចូលរួមរបស់ការិយាល័យនេះ", no_checkins: "មិនមានការចុះវត្តមាននៅការិយាល័យនេះទេ។",
      alerts_here: "ការព្រមានពីបញ្ជីវត្តមាន ដែលនិយាយពីការិយាល័យនេះ", no_alerts: "គ្មានការព្រមានពីបញ្ជីវត្តមានទេ។",
      gaps_here: "ការផ្ទៀងផ្ទាត់សន្លឹកឆ្នោត", no_gaps: "សន្លឹកឆ្នោតលើសន្លឹកផ្លូវការ ត្រូវគ្នា៖ គ្មានគម្លាតទេ។",
      checklists_here: "បញ្ជីត្រួតពិនិត្យរបស់អ្នកសង្កេតការណ៍", no_checklists: "គ្មានបញ្ជីត្រួតពិនិត្យនៅទីនេះទេ។",
      observer: "អ្នកសង្កេតការណ៍", point: "ពេលនៃថ្ងៃ", channel: "មធ្យោបាយ", answers: "ចម្លើយ",
      merged_here: "កន្លែងដែលអ្នកសង្កេតការណ៍មិនយល់ស្រប", merged_line: "អ្នកសង្កេតការណ៍ {n} ({who}) នៅ {point}៖ មិនយល់ស្របលើ {fields}។", merged_agree: "អ្នកសង្កេតការណ៍ {n} ({who}) នៅ {point}៖ យល់ស្របលើគ្រប់វាល។",
      incidents_here: "ឧប្បត្តិហេតុ", no_incidents: "គ្មានឧប្បត្តិហេតុនៅទីនេះទេ។", category: "ប្រភេទ", severity: "កម្រិតធ្ងន់ធ្ងរ", text: "អ្វីដែលបានកើតឡើង",
      complaints_here: "ពាក្យបណ្ដឹង", no_complaints: "គ្មានពាក្យបណ្ដឹងទេ។", status: "ស្ថានភាព", filed_by: "ដាក់ដោយ",
      witnessed: "សាក្សីបានឃើញ (UTC)", deadlines: "ថ្ងៃផុតកំណត់ (UTC តាមពេលវេលាសាក្សី)", act_by: "ចាត់វិធានការមុន {t}", decide_by: "សម្រេចមុន {t}",
      overdue: "ហួសកំណត់", no_deadline: "មិនទាន់មានថ្ងៃផុតកំណត់៖ គ្មានចំណុចត្រួតពិនិត្យដែលសាក្សីបានឃើញ", reasons: "មូលហេតុ",
      overdue_list: "ពាក្យបណ្ដឹងហួសកំណត់", none_overdue: "គ្មានពាក្យបណ្ដឹងណាហួសកំណត់ទេ។",
      overdue_line: "ពាក្យបណ្ដឹង {i} ({cat}) អំពី {place} ដាក់ដោយ {who} សាក្សីបានឃើញនៅ {w}៖ គ្មានអ្វីបានធ្វើមុន {by}។",
      status_received: "បានទទួល", status_under_investigation: "កំពុងស៊ើបអង្កេត", status_upheld: "បានទទួលយក", status_dismissed: "បានបដិសេធ",
      a_double_checkin: "ចុះវត្តមានលើកទីពីរ", a_card_reused: "ប័ណ្ណប្រើម្ដងទៀត", a_not_on_list: "មិនមានក្នុងបញ្ជីរបស់ការិយាល័យនេះ",
      a_conflicting_checkin: "ការចុះវត្តមានផ្ញើម្ដងទៀតដោយព័ត៌មានផ្សេង", a_unknown_card: "ប័ណ្ណមិនដែលចេញ", a_card_wrong_station: "ប័ណ្ណសម្រាប់ការិយាល័យផ្សេង",
      a_card_unapproved: "ប័ណ្ណចេញលើសកម្រិតដោយគ្មានការអនុម័ត", a_card_over_threshold: "ប័ណ្ណចេញលើសកម្រិតប្រចាំថ្ងៃរបស់មន្ត្រី",
      alert_line: "{what} នៅការិយាល័យ {station} (ការចុះវត្តមាន {checkin}, {at})", alert_first: "; លើកទីមួយនៅការិយាល័យ {station} (ការចុះវត្តមាន {checkin}, {at}, ធាតុ {entry})",
      alert_other: "; ការិយាល័យ {station}", alert_entry: "ធាតុ {entry}",
      g_unaccounted_ballots: "សន្លឹកឆ្នោតដែលទទួល មិនស្មើនឹង ចេញ + ខូច + មិនបានប្រើ", g_issued_vs_checkins: "សន្លឹកឆ្នោតដែលចេញ មិនស្មើនឹងការចុះវត្តមាន",
      g_counted_vs_issued: "សន្លឹកឆ្នោតដែលរាប់ មិនស្មើនឹងសន្លឹកឆ្នោតដែលចេញ",
      gap_line: "{what}៖ {figures}; គម្លាត {size}។", gaps_list: "គម្លាតផ្ទៀងផ្ទាត់", gaps_none: "គ្មានគម្លាតផ្ទៀងផ្ទាត់ទេ។",
      without_accounting: "សន្លឹកផ្លូវការ {n} ខ្វះវាលគណនេយ្យសន្លឹកឆ្នោត (មិនរាប់ជាគម្លាត)៖ {list}",
      cards: "ប័ណ្ណបោះឆ្នោតបណ្ដោះអាសន្ន", by_officer: "តាមមន្ត្រីចុះឈ្មោះ", by_commune: "តាមឃុំ", issued: "បានចេញ",
      nodoc: "គ្មានឯកសារអត្តសញ្ញាណ", over_threshold: "លើសកម្រិតប្រចាំថ្ងៃ", approved: "គណៈកម្មាធិការអនុម័ត",
      checklists_by_form: "បញ្ជីត្រួតពិនិត្យ តាមទម្រង់ និងពេលនៃថ្ងៃ", signed: "បានចុះហត្ថលេខា", by_sms: "តាម SMS",
      incidents_by: "ឧប្បត្តិហេតុ តាមប្រភេទ និងកម្រិតធ្ងន់ធ្ងរ", sms_counts: "SMS បានទទួល៖ {r}; បានរាប់៖ {a}; មានសញ្ញា៖ {f}; បដិសេធ៖ {x}; ផ្ញើម្ដងទៀត៖ {p}; អ្នកផ្ញើមិនស្គាល់៖ {u}។",
      conflicts_list: "ការិយាល័យដែលអ្នកសង្កេតការណ៍មិនយល់ស្រប",
      forensics: "កោសល្យវិច្ច័យនៃលទ្ធផលផ្លូវការ", forensics_none: "គ្មានកោសល្យវិច្ច័យ៖ {why}",
      forensics_intro: "ស្នាមម្រាមដៃស្ថិតិនៃសន្លឹកផ្លូវការ នៅការិយាល័យ {n}។ វាបង្ហាញកន្លែងគួរពិនិត្យ ប៉ុន្តែមិនបញ្ជាក់អ្វីដោយខ្លួនឯងទេ។",
      leader_line: "អ្នកនាំមុខ៖ {name} ដែលមាន {share} នៃសន្លឹកឆ្នោតដែលបានរាប់។",
      integer_line: "ភាគរយគត់ (អត្រាចូលរួម ឬចំណែករបស់អ្នកនាំមុខ)៖ ការិយាល័យ {k} ដែលឱកាសផ្ដល់ជាមធ្យម {mean} (p = {p}, ការក្លែង {r})។",
      digits_alt: "អ៊ីស្តូក្រាមនៃខ្ទង់ចុងក្រោយនៃចំនួនសំឡេងឆ្នោតរបស់គណបក្សនីមួយៗ នៅការិយាល័យនីមួយៗ (ចំនួន ១០ ឡើង)។ បន្ទាត់ដាច់ៗ ជាចំនួនដែលខ្ទង់នីមួយៗមាន ពេលខ្ទង់ស្មើគ្នា។",
      digits_words: "ខ្ទង់ចុងក្រោយ ០ ដល់ ៩៖ {list}; ខ្ទង់ស្មើគ្នានឹងផ្ដល់ប្រហែល {e} នីមួយៗ។",
      fingerprint_alt: "ចំណុចនៃអត្រាចូលរួមរបស់ការិយាល័យនីមួយៗ ធៀបនឹងចំណែករបស់អ្នកនាំមុខ។",
      fingerprint_words: "ពពកលាតទៅរកអត្រាចូលរួមពេញ និងចំណែកខ្ពស់សម្រាប់អ្នកនាំមុខ ជាសញ្ញានៃការបំពេញសន្លឹកឆ្នោតបន្ថែម (ការិយាល័យ {n})។",
      red_flags: "ទង់ក្រហម", flagged: "ការិយាល័យដែលមានទង់", flagged_shown: "បង្ហាញ {n} ដំបូង ក្នុងចំណោមការិយាល័យ {m} ដែលមានទង់។",
      pvt_alt: "ការប៉ាន់ស្មាន PVT និងចន្លោះ ៩៥% ជាមួយចំណែកផ្លូវការ (ពេជ្រ ក្រហមពេលនៅក្រៅ)។",
      entry_n: "ធាតុ {n}", digits_title: "ខ្ទង់ចុងក្រោយនៃចំនួនសំឡេងឆ្នោត", fingerprint_title: "អត្រាចូលរួម ធៀបនឹងចំណែករបស់អ្នកនាំមុខ",
      // The figures of a reconciliation gap as a result form names them. For native review:
      // f_issued (ballots handed to voters) and f_checkins (voters recorded in the poll book).
      f_received: "សន្លឹកឆ្នោតដែលបានទទួល", f_issued: "សន្លឹកឆ្នោតដែលបានចែកជូន", f_spoiled: "សន្លឹកឆ្នោតខូច",
      f_unused: "សន្លឹកឆ្នោតមិនបានប្រើ", f_checkins: "អ្នកបោះឆ្នោតដែលបានចុះវត្តមាន", f_counted: "សន្លឹកឆ្នោតដែលបានរាប់",
      // For native review: the wording of a tie for a seat.
      seat_tie: "{parties} ស្មើគ្នាសម្រាប់អាសនៈទី {seat} ក្នុងចំណោម {of} នៅ {area}៖ អាសនៈរបស់មណ្ឌលនេះ មិនត្រូវបានរាប់ខាងលើទេ; គណៈកម្មាធិការសម្រេចតាមវិធានរបស់ខ្លួន។",
      // Needs native review.
      missing_forms: "មណ្ឌលចំនួន {n} មិនទាន់មានទម្រង់លទ្ធផលផ្លូវការ៖ {list}"
    }
  };

  var lang = "en";
  try { lang = localStorage.getItem("lang") === "km" ? "km" : "en"; } catch (e) { /* no storage */ }

  function t(key, vars) {
    var s = (T[lang] && T[lang][key]) || T.en[key] || key;
    if (vars) {
      Object.keys(vars).forEach(function (k) { s = s.split("{" + k + "}").join(String(vars[k])); });
    }
    return s;
  }

  // h("td", {class: "num"}, "12"): an element; children are nodes or text.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) el.setAttribute(k, attrs[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { add(el, x); }); return; }
    el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
  function num(n) { return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"); }
  function pct(x) { return (100 * x).toFixed(2) + "%"; }
  function utc(s) { return s ? new Date(s * 1000).toISOString().replace(".000Z", "Z") : "–"; }
  // An area code or contest id as a file name, as crates/site/src/lib.rs (file_name) writes it.
  function fileName(code) {
    if (code && code.length <= 80 && code[0] !== "." && /^[A-Za-z0-9_.-]+$/.test(code)) return code;
    var bytes = new TextEncoder().encode(code), hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    if (hex.length <= 80) return "~" + hex;
    var hash = BigInt("0xcbf29ce484222325"), prime = BigInt("0x100000001b3"), mask = (BigInt(1) << BigInt(64)) - BigInt(1);
    for (var j = 0; j < bytes.length; j++) hash = ((hash ^ BigInt(bytes[j])) * prime) & mask;
    return "~" + hex.slice(0, 80) + "-" + hash.toString(16).padStart(16, "0");
  }
  window.siteFileName = fileName;
  function levelName(l) { var k = "level_" + l; return T.en[k] ? t(k) : l; }
  // A table inside a scrolling region that the keyboard can reach (narrow screens).
  function scroll(label, table) {
    return h("div", { class: "scroll", role: "region", "aria-label": label, tabindex: "0" }, table);
  }
  function headRow(cells) {
    return h("tr", null, cells.map(function (c) {
      return h("th", { scope: "col", class: c.num ? "num" : null }, c.text === undefined ? c : c.text);
    }));
  }

  var cache = {};
  // A data file: fetched as JSON over HTTP, or read through its .js twin from file://.
  function load(name) {
    if (cache[name]) return cache[name];
    var p;
    if (location.protocol === "file:") {
      p = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = "data/" + name + ".js";
        s.onload = function () {
          var v = window.SITE_DATA && window.SITE_DATA[name];
          v === undefined ? reject(new Error(name)) : resolve(v);
        };
        s.onerror = function () { reject(new Error(name)); };
        document.head.appendChild(s);
      });
    } else {
      p = fetch("data/" + name + ".json", { cache: "no-cache" }).then(function (r) {
        if (!r.ok) throw new Error(name);
        return r.json();
      });
    }
    cache[name] = p;
    p.catch(function () { delete cache[name]; });
    return p;
  }

  var election = null;
  function choiceName(id) {
    var c = election && election.contests.find(function (c) { return c.choices[id]; });
    return c ? c.choices[id] : id;
  }
  function figureName(f) {
    if (f === "valid") return t("valid");
    if (f === "invalid") return t("invalid");
    return f;
  }
  function figureOf(x, f) { return f === "valid" ? x.valid : f === "invalid" ? x.invalid : (x.votes[f] || 0); }
  // A total of `x` beside the official one: marked, in colour and in words, where a source with
  // a copy from every station the official forms cover counts differently.
  function totalCell(x, off, f, title) {
    var v = figureOf(x, f), o = off ? figureOf(off, f) : v;
    var differs = off && x !== off && x.forms === off.forms && v !== o;
    return h("td", { class: "num" + (differs ? " differs" : ""), title: title || null }, num(v),
      differs ? h("span", null, " (≠ " + num(o) + ")") : null);
  }

  // ------------------------------------------------------------------ pages

  function summary() {
    var e = election, out = [h("h1", null, e.name)];
    out.push(h("p", null, num(e.entries) + " " + t("entries") + " · " + e.origin));
    if (e.day) out.push(h("h2", null, t("where")), countList(e.day), h("p", null, h("a", { href: "#/day" }, t("day") + " →"), " · ", h("a", { href: "#/forensics" }, t("nav_forensics") + " →")));
    e.contests.forEach(function (c) {
      out.push(h("h2", null, t("totals") + ": " + c.name));
      var choices = Object.keys(c.choices);
      var totals = e.headline.totals.filter(function (x) { return x.contest === c.id; });
      var official = totals.find(function (x) { return x.source === "official"; });
      out.push(scroll(t("totals"), h("table", null,
        h("caption", null, t("totals") + " (" + c.id + ")"),
        h("thead", null, headRow([t("source"), { text: t("forms"), num: 1 }, { text: t("valid"), num: 1 }]
          .concat(choices.map(function (id) { return { text: id, num: 1 }; })))),
        h("tbody", null, totals.map(function (x) {
          return h("tr", null, h("th", { scope: "row" }, x.source),
            h("td", { class: "num" }, num(x.forms)), totalCell(x, official, "valid"),
            choices.map(function (id) { return totalCell(x, official, id, c.choices[id]); }));
        })))));
      if (!official) out.push(h("p", { class: "note" }, "No official forms yet."));
      out.push(h("p", null, h("a", { href: "#/area/" + encodeURIComponent(c.id) + "/_" }, t("results") + " → " + t("whole"))));
    });
    e.headline.seats.forEach(function (s) {
      var parties = Object.keys(s.seats).filter(function (p) { return s.seats[p] > 0; });
      out.push(h("h2", null, t("seats") + " (" + s.contest + ", " + s.method + ")"));
      out.push(scroll(t("seats"), h("table", null,
        h("thead", null, headRow([t("party"), { text: t("seats"), num: 1 }])),
        h("tbody", null, parties.map(function (p) {
          return h("tr", null, h("th", { scope: "row" }, p + " — " + choiceName(p)), h("td", { class: "num" }, num(s.seats[p])));
        })))));
      if (s.missing.length) out.push(h("p", { class: "note" }, t("missing_forms", { n: num(s.missing.length), list: s.missing.join(", ") })));
      (s.ties || []).forEach(function (x) { out.push(h("p", { class: "warn" }, t("seat_tie", { parties: x.parties.join(", "), seat: x.seat, of: x.of, area: x.area }))); });
    });
    out.push(h("h2", null, t("pvt")));
    if (!e.pvt.length) out.push(h("p", { class: "note" }, t("pvt_none")));
    e.pvt.forEach(function (r, i) {
      var v = r.verdict;
      out.push(h("p", null, r.figures_from + ": " + r.estimate.stations_reporting + " / " + r.estimate.stations_sampled + " " + t("stations")));
      var rows = v ? v.figures : r.estimate.choices.map(function (c) {
        return { figure: c.choice, estimate: c.estimate, interval_95: c.interval_95, official: null, inside_95: null };
      });
      out.push(scroll(t("pvt"), h("table", null,
        h("thead", null, headRow([t("figure"), { text: t("estimate"), num: 1 }, { text: t("interval95"), num: 1 },
          { text: t("official_share"), num: 1 }, t("inside")])),
        h("tbody", null, rows.map(function (f) {
          var outside = f.inside_95 === false;
          return h("tr", { class: outside ? "differs" : null }, h("th", { scope: "row" }, f.figure),
            h("td", { class: "num" }, pct(f.estimate)),
            h("td", { class: "num" }, pct(f.interval_95[0]) + " – " + pct(f.interval_95[1])),
            h("td", { class: "num" }, f.official === null ? "–" : pct(f.official)),
            h("td", { class: outside ? "differs" : null }, f.inside_95 === null ? "–" : (f.inside_95 ? t("yes") : t("no"))));
        })))));
      if (e.pvt_plots && e.pvt_plots[i]) out.push(plot(e.pvt_plots[i], t("pvt_alt")));
    });
    out.push(h("h2", null, t("roll")));
    var c0 = e.contests[0];
    out.push(scroll(t("roll"), h("table", null,
      h("thead", null, headRow([t("area"), { text: t("stations"), num: 1 }, { text: t("registered"), num: 1 }, { text: t("on_roll"), num: 1 }])),
      h("tbody", null, e.headline.roll.map(function (a) {
        var label = a.area + " " + a.name;
        return h("tr", null,
          h("th", { scope: "row" }, c0 ? h("a", { href: "#/area/" + encodeURIComponent(c0.id) + "/" + encodeURIComponent(a.area) }, label) : label),
          h("td", { class: "num" }, num(a.stations)), h("td", { class: "num" }, num(a.registered)), h("td", { class: "num" }, num(a.voters)));
      })))));
    out.push(h("p", null, h("a", { href: "#/flags" }, t("flags") + ": " + num(e.flags) + " · " + t("alerts") + ": " + num(e.alerts))));
    return out;
  }

  function crumbs(contest, path, here) {
    var items = [h("li", null, h("a", { href: "#/area/" + encodeURIComponent(contest) + "/_" }, t("whole")))];
    path.forEach(function (a) {
      items.push(h("li", null, h("a", { href: "#/area/" + encodeURIComponent(contest) + "/" + encodeURIComponent(a[0]) }, a[0] + " " + a[1])));
    });
    if (here) items.push(h("li", { "aria-current": "page" }, here));
    return h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("ol", null, items));
  }

  // The differences of a station's copies, in words.
  function differenceList(diffs) {
    return h("ul", { class: "differences" }, diffs.map(function (d) {
      var figure = d.figure === "valid" ? t("valid_s") : d.figure === "invalid" ? t("invalid_s") : d.figure;
      return h("li", { class: "warn" }, t("diff_line", { source: d.source, copy: num(d.copy), figure: figure, official: num(d.official) }));
    }));
  }

  function area(contest, code) {
    return load("area/" + fileName(contest) + "/" + fileName(code)).then(function (d) {
      var here = d.area ? d.area[0] + " " + d.area[1] : null;
      var out = [crumbs(contest, d.path || [], here), h("h1", null, here || t("whole"))];
      if (d.day) out.push(h("h2", null, t("day")), countList(d.day));
      var rowsDay = d.rows_day || {};
      var others = d.sources.filter(function (s) { return s !== "official"; });
      var total = d.total, off = total.sources.official;
      // The area's totals, each source side by side.
      var figures = ["valid", "invalid"].concat(d.choices);
      out.push(h("h2", null, t("totals")));
      out.push(scroll(t("totals"), h("table", null,
        h("caption", null, t("totals") + ": " + (here || t("whole"))),
        h("thead", null, headRow([t("source"), { text: t("forms"), num: 1 }].concat(figures.map(function (f) { return { text: figureName(f), num: 1 }; })))),
        h("tbody", null, d.sources.map(function (s) {
          var x = total.sources[s];
          return h("tr", null, h("th", { scope: "row" }, s),
            h("td", { class: "num" }, num(x.forms) + (off && x.forms !== off.forms ? " (" + t("copies_of", { n: num(x.forms), m: num(off.forms) }) + ")" : "")),
            figures.map(function (f) { return totalCell(x, off, f); }));
        })))));
      var atStations = d.below === "station";
      out.push(h("h2", null, levelName(d.below)));
      var cols = [levelName(d.below), { text: t("stations"), num: 1 }, { text: t("valid") + ": official", num: 1 }]
        .concat(others.map(function (s) { return { text: t("valid") + ": " + s, num: 1 }; }))
        .concat([t("differing"), t("day_col")]);
      out.push(scroll(levelName(d.below), h("table", { id: "drilldown" },
        h("caption", null, levelName(d.below) + " · " + (here || t("whole"))),
        h("thead", null, headRow(atStations ? cols.filter(function (c, i) { return i !== 1; }) : cols)),
        h("tbody", null, d.rows.map(function (r) {
          var href = atStations
            ? "#/station/" + encodeURIComponent(contest) + "/" + encodeURIComponent(d.area[0]) + "/" + encodeURIComponent(r.code)
            : "#/area/" + encodeURIComponent(contest) + "/" + encodeURIComponent(r.code);
          var differs = r.stations_differing > 0;
          var note = atStations
            ? (differs ? [h("strong", null, t("differs_word")), differenceList(r.differences)] : t("no_difference"))
            : (differs ? h("strong", null, t("n_differ", { n: num(r.stations_differing) })) : t("no_difference"));
          return h("tr", { class: differs ? "differs" : null, "data-code": r.code },
            h("th", { scope: "row" }, h("a", { href: href }, r.code + (r.name ? " " + r.name : ""))),
            atStations ? null : h("td", { class: "num" }, num(r.stations)),
            h("td", { class: "num" }, num(r.sources.official ? r.sources.official.valid : null)),
            others.map(function (s) {
              var x = r.sources[s], o = r.sources.official;
              var bad = atStations && x && o && x.valid !== o.valid;
              return h("td", { class: "num" + (bad ? " differs" : "") }, num(x ? x.valid : null));
            }),
            h("td", { class: differs ? "differs" : null }, note),
            countCell(rowsDay[r.code]));
        })))));
      return out;
    });
  }

  function station(contest, areaCode, code) {
    return load("station/" + fileName(contest) + "/" + fileName(areaCode)).then(function (pages) {
      var page = pages.find(function (p) { return p.forms.station.code === code; });
      if (!page) throw new Error("station " + code);
      var f = page.forms, s = f.station;
      var title = t("station") + " " + s.code + (s.name ? " " + s.name : "");
      var out = [crumbs(contest, f.areas, s.code), h("h1", null, title)];
      var sources = Object.keys(s.sources).sort(function (a, b) { return a === "official" ? -1 : b === "official" ? 1 : a < b ? -1 : 1; });
      var figures = ["valid", "invalid"].concat(f.choices);
      var diff = {};
      // A station whose copies all agree has no "differences" field in its data.
      s.differences = s.differences || [];
      s.differences.forEach(function (d) { diff[d.source + "\u0000" + d.figure] = d; });
      out.push(scroll(t("station_forms"), h("table", { id: "forms" },
        h("caption", null, t("station_forms")),
        h("thead", null, headRow([t("figure")].concat(sources.map(function (x) { return { text: x, num: 1 }; })))),
        h("tbody", null, figures.map(function (fig) {
          var rowDiffers = sources.some(function (x) { return diff[x + "\u0000" + fig]; });
          return h("tr", { class: rowDiffers ? "differs" : null }, h("th", { scope: "row" }, figureName(fig)),
            sources.map(function (x) {
              var v = s.sources[x], val = fig === "valid" ? v.valid : fig === "invalid" ? v.invalid : (v.votes[fig] || 0);
              var d = diff[x + "\u0000" + fig];
              return h("td", { class: "num" + (d ? " differs" : "") }, num(val),
                d ? h("span", null, " (≠ " + num(d.official) + ", " + t("differs_word") + ")") : null);
            }));
        })))));
      out.push(h("h2", null, t("differences")));
      out.push(s.differences.length ? differenceList(s.differences) : h("p", { class: "good" }, t("none_differ")));
      out.push(h("h2", null, t("photos")));
      var photos = f.photos || {};
      var keys = Object.keys(photos);
      if (!keys.length) out.push(h("p", { class: "note" }, t("no_photos")));
      else {
        out.push(h("p", { class: "note" }, t("photo_note")));
        out.push(h("ul", null, keys.map(function (src) {
          return photos[src].map(function (hash) {
            return h("li", null, src + ": ", h("a", { class: "hash", href: "../blob/" + hash }, hash));
          });
        })));
      }
      out.push(h("h2", null, t("flags_here")));
      out.push(page.flags.length ? flagTable(page.flags) : h("p", { class: "note" }, t("no_flags")));
      if (page.day) out.push(stationDay(contest, page.day, s.sources.official));
      return out;
    });
  }

  var SHOWN = 1000;
  function flagTable(flags) {
    return scroll(t("flags"), h("table", null,
      h("thead", null, headRow([{ text: t("entry"), num: 1 }, t("kind"), t("station"), t("area"), t("message")])),
      h("tbody", null, flags.slice(0, SHOWN).map(function (f) {
        return h("tr", null, h("td", { class: "num" }, num(f.index)), h("td", null, f.kind),
          h("td", null, f.station || "–"), h("td", null, f.area || "–"),
          h("td", null, f.detail && f.detail.message ? f.detail.message : JSON.stringify(f.detail)));
      }))));
  }

  function flags() {
    return load("flags").then(function (d) {
      var out = [h("h1", null, t("nav_flags")), h("h2", null, t("flags") + " (" + num(d.flags.length) + ")")];
      out.push(d.flags.length ? flagTable(d.flags) : h("p", { class: "note" }, t("no_flags")));
      if (d.flags.length > SHOWN) out.push(h("p", { class: "note" }, t("shown", { n: num(SHOWN), m: num(d.flags.length) })));
      var a = d.alerts;
      out.push(h("h2", null, t("alerts") + " (" + num(a.alerts.length) + ")"));
      var kinds = Object.keys(a.counts);
      if (!kinds.length) out.push(h("p", { class: "note" }, t("no_flags")));
      else {
        out.push(scroll(t("alerts"), h("table", null,
          h("thead", null, headRow([t("kind"), { text: t("count"), num: 1 }])),
          h("tbody", null, kinds.map(function (k) {
            return h("tr", null, h("th", { scope: "row" }, k), h("td", { class: "num" }, num(a.counts[k])));
          })))));
        out.push(scroll(t("alerts"), h("table", null,
          h("thead", null, headRow([{ text: t("entry"), num: 1 }, t("kind"), t("station"), t("at")])),
          h("tbody", null, a.alerts.slice(0, SHOWN).map(function (x) {
            return h("tr", null, h("td", { class: "num" }, num(x.index) + "·" + x.position), h("td", null, x.kind),
              h("td", null, x.station + (x.other_station ? " / " + x.other_station : "")), h("td", null, utc(x.at)));
          })))));
        if (a.alerts.length > SHOWN) out.push(h("p", { class: "note" }, t("shown", { n: num(SHOWN), m: num(a.alerts.length) })));
      }
      return out;
    });
  }

  function witnesses() {
    return load("witnesses").then(function (s) {
      var out = [h("h1", null, t("witnesses"))];
      if (!s) { out.push(h("p", { class: "note" }, t("no_status"))); return out; }
      out.push(h("p", null, s.origin + " · " + num(s.size) + " " + t("entries")));
      if (s.latest) out.push(h("p", null, t("checkpoint", { size: num(s.latest.size), n: s.latest.cosigned_by.length })));
      if (!s.witnesses.length) { out.push(h("p", { class: "note" }, t("no_witness"))); return out; }
      out.push(scroll(t("witnesses"), h("table", null,
        h("thead", null, headRow([t("witness"), "URL", { text: t("cosigned_size"), num: 1 }, t("cosigned_at")])),
        h("tbody", null, s.witnesses.map(function (w) {
          var behind = w.cosigned_size < s.size;
          return h("tr", null, h("th", { scope: "row" }, w.name), h("td", null, w.url),
            h("td", { class: "num" + (behind ? " differs" : "") }, num(w.cosigned_size)), h("td", null, utc(w.cosigned_at)));
        })))));
      return out;
    });
  }

  function find() {
    var out = [h("h1", null, t("find")), h("p", null, t("find_intro"))];
    var result = h("div", { id: "found", "aria-live": "polite" });
    if (location.protocol === "file:") {
      out.push(h("p", { class: "warn", id: "needs-server" }, t("needs_server")));
      return Promise.resolve(out);
    }
    var q = h("input", { id: "q", name: "q", type: "search", required: "", autocomplete: "name", maxlength: "200" });
    var year = h("input", { id: "birth_year", name: "birth_year", type: "number", min: "1850", max: "2104", inputmode: "numeric" });
    var areaIn = h("input", { id: "area", name: "area", type: "text", maxlength: "40" });
    var form = h("form", { class: "find", role: "search" },
      h("label", { for: "q" }, t("name")), q,
      h("label", { for: "birth_year" }, t("birth_year")), year,
      h("label", { for: "area" }, t("area_code")), areaIn,
      h("button", { type: "submit" }, t("search")));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var url = new URL("../api/find", location.href);
      url.searchParams.set("q", q.value);
      if (year.value) url.searchParams.set("birth_year", year.value);
      if (areaIn.value) url.searchParams.set("area", areaIn.value);
      result.textContent = t("loading");
      var ctl = new AbortController(), timer = setTimeout(function () { ctl.abort(); }, 10000);
      fetch(url, { signal: ctl.signal }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) { return { r: r, body: body }; });
      }).then(function (x) {
        clearTimeout(timer);
        result.textContent = "";
        if (x.r.status === 404 && !x.body.found) { add(result, h("p", { class: "warn" }, t("needs_server"))); return; }
        if (x.r.status === 429) { add(result, h("p", { class: "warn" }, t("too_many", { s: x.r.headers.get("Retry-After") || "?" }))); return; }
        if (!x.r.ok) { add(result, h("p", { class: "warn" }, x.body.message || String(x.r.status))); return; }
        var found = x.body.found || [];
        if (!found.length) { add(result, h("p", null, t("found_none"))); return; }
        var c0 = election && election.contests[0];
        add(result, h("p", null, t("found_n", { n: num(found.length) })));
        add(result, h("ul", { class: "found" }, found.map(function (v) {
          var names = [v.family + " " + v.given, v.family_latin + " " + v.given_latin].map(function (s) { return s.trim(); }).filter(Boolean).join(" · ");
          var st = c0 ? h("a", { href: "#/station/" + encodeURIComponent(c0.id) + "/" + encodeURIComponent(v.area) + "/" + encodeURIComponent(v.station) }, t("station") + " " + v.station) : v.station;
          var notes = [t("born", { y: v.birth_year })];
          if (v.edits) notes.push(t("edits", { n: v.edits }));
          if (v.swapped) notes.push(t("swapped"));
          return h("li", { class: "voter" }, h("strong", null, names), " — ", st, " (" + t("area") + " " + v.area + "; " + notes.join(", ") + ")");
        })));
      }).catch(function () {
        clearTimeout(timer);
        result.textContent = "";
        add(result, h("p", { class: "warn" }, t("needs_server")));
      });
    });
    out.push(form, result);
    return Promise.resolve(out);
  }

  // ------------------------------------------------------------------ election day

  function statusName(s) { return T.en["status_" + s] ? t("status_" + s) : s; }
  function alertName(k) { return T.en["a_" + k] ? t("a_" + k) : k; }
  // An area's (or a station's) counts in words: only what is there, problems first.
  function countWords(c) {
    var parts = [];
    c = zeros(c);
    if (c.complaints) parts.push(t("c_complaints", { n: num(c.complaints), o: num(c.complaints_open), d: num(c.complaints_overdue) }));
    if (c.flags) parts.push(t("c_flags", { n: num(c.flags) }));
    if (c.alerts) parts.push(t("c_alerts", { n: num(c.alerts) }));
    if (c.gaps) parts.push(t("c_gaps", { n: num(c.gaps), m: num(c.stations_with_gaps) }));
    if (c.incidents) parts.push(t("c_incidents", { n: num(c.incidents) }));
    if (c.conflicts) parts.push(t("c_conflicts", { n: num(c.conflicts) }));
    if (c.checklists) parts.push(t("c_checklists", { n: num(c.checklists) }));
    if (c.checkins) parts.push(t("c_checkins", { n: num(c.checkins) }) + (c.cards_without_document ? " (" + t("c_cards", { n: num(c.cards_without_document) }) + ")" : ""));
    return parts;
  }
  // Counts of zero are left out of the data files.
  var COUNTS = ["flags", "alerts", "gaps", "stations_with_gaps", "checklists", "incidents", "conflicts", "complaints",
    "complaints_open", "complaints_overdue", "checkins", "cards_without_document"];
  function zeros(c) {
    var o = {};
    COUNTS.forEach(function (k) { o[k] = (c && c[k]) || 0; });
    return o;
  }
  function troubled(c) { return c && (c.complaints_overdue || c.flags || c.alerts || c.gaps || c.incidents || c.conflicts); }
  function countCell(c) {
    if (!c) return h("td", null, "–");
    var words = countWords(c);
    return h("td", { class: troubled(c) ? "differs" : null }, words.length ? words.join(" · ") : t("nothing_below"));
  }
  function countList(c) {
    var words = countWords(c);
    if (!words.length) return h("p", { class: "note" }, t("nothing_below"));
    return h("ul", { class: "counts" }, words.map(function (w) { return h("li", null, w); }));
  }
  function stationHref(contest, area, code) {
    return "#/station/" + encodeURIComponent(contest) + "/" + encodeURIComponent(area) + "/" + encodeURIComponent(code);
  }
  function firstContest() { return election && election.contests.length ? election.contests[0].id : ""; }
  function alertLine(a) {
    var s = t("alert_line", { what: alertName(a.kind), station: a.station, checkin: a.checkin || "–", at: utc(a.at) });
    if (a.earlier) s += t("alert_first", { station: a.earlier.station, checkin: a.earlier.checkin, at: utc(a.earlier.at), entry: a.earlier.index });
    if (a.other_station) s += t("alert_other", { station: a.other_station });
    return s + " · " + t("alert_entry", { entry: a.index }) + (a.detail ? " · " + a.detail : "");
  }
  function gapLine(g) {
    var figures = Object.keys(g.figures).map(function (k) { return (T.en["f_" + k] ? t("f_" + k) : k) + " " + num(g.figures[k]); }).join(", ");
    return t("gap_line", { what: T.en["g_" + g.kind] ? t("g_" + g.kind) : g.kind, figures: figures, size: (g.size > 0 ? "+" : "") + g.size });
  }
  function complaintTable(list, contest) {
    return scroll(t("complaints_here"), h("table", { class: "complaints" },
      h("thead", null, headRow([{ text: t("entry"), num: 1 }, t("area"), t("category"), t("status"), t("witnessed"), t("deadlines"), t("text")])),
      h("tbody", null, list.map(function (c) {
        var place = c.station ? h("a", { href: stationHref(contest, c.area, c.station) }, t("station") + " " + c.station) : h("a", { href: "#/area/" + encodeURIComponent(contest) + "/" + encodeURIComponent(c.area) }, c.area);
        var dl = c.witnessed === null || c.witnessed === undefined ? t("no_deadline")
          : t("act_by", { t: utc(c.investigate_by) }) + "; " + t("decide_by", { t: utc(c.decide_by) });
        var step = c.decision || c.investigation;
        return h("tr", { class: c.overdue ? "differs" : null },
          h("td", { class: "num" }, num(c.index)), h("td", null, place), h("td", null, c.category),
          h("td", { class: c.overdue ? "differs" : null }, statusName(c.status), c.overdue ? [" — ", h("strong", null, t("overdue"))] : null),
          h("td", null, utc(c.witnessed)), h("td", null, dl),
          h("td", null, c.text, c.author ? h("div", { class: "note" }, t("filed_by") + " " + c.author) : null,
            step ? h("div", null, t("reasons") + ": " + step.reason) : null));
      }))));
  }
  function overdueList(list) {
    var late = list.filter(function (c) { return c.overdue; });
    if (!late.length) return h("p", { class: "good" }, t("none_overdue"));
    return h("ul", { class: "overdue" }, late.map(function (c) {
      var by = c.investigation ? c.decide_by : c.investigate_by;
      return h("li", { class: "warn" }, t("overdue_line", {
        i: c.index, cat: c.category, place: c.station ? t("station") + " " + c.station : c.area,
        who: c.author, w: utc(c.witnessed), by: utc(by) }));
    }));
  }
  function answerText(answers) {
    return Object.keys(answers || {}).map(function (k) {
      var v = answers[k], x = v && typeof v === "object" ? Object.keys(v).map(function (kk) { return v[kk]; })[0] : v;
      return k + "=" + (Array.isArray(x) ? x.join("+") : x);
    }).join(" ");
  }

  // A station's election day, under its result.
  function stationDay(contest, d, official) {
    var out = [h("h2", { id: "day" }, t("day"))];
    var c = zeros(d.counts);
    ["alerts", "gaps", "checklists", "incidents", "merged", "complaints"].forEach(function (k) { d[k] = d[k] || []; });
    if (!c.checkins) out.push(h("p", { class: "note" }, t("no_checkins")));
    else {
      var counted = official ? official.valid + official.invalid : null;
      out.push(scroll(t("day"), h("table", { id: "turnout" },
        h("tbody", null,
          h("tr", null, h("th", { scope: "row" }, t("registered_here")), h("td", { class: "num" }, num(d.registered))),
          h("tr", null, h("th", { scope: "row" }, t("checkins")), h("td", { class: "num" }, num(c.checkins))),
          h("tr", null, h("th", { scope: "row" }, t("turnout")), h("td", { class: "num" }, d.turnout === undefined ? "–" : pct(d.turnout))),
          h("tr", null, h("th", { scope: "row" }, t("counted")), h("td", { class: "num" }, num(counted))),
          h("tr", { class: c.cards_without_document ? "differs" : null }, h("th", { scope: "row" }, t("cards_nodoc")),
            h("td", { class: "num" }, num(c.cards_without_document) + (d.cards_share ? " (" + t("share_turnout", { p: pct(d.cards_share) }) + ")" : "")))))));
    }
    out.push(h("h3", null, t("alerts_here")));
    out.push(d.alerts.length ? h("ul", { class: "alerts" }, d.alerts.map(function (a) { return h("li", { class: "warn" }, alertLine(a)); }))
      : h("p", { class: "note" }, t("no_alerts")));
    out.push(h("h3", null, t("gaps_here")));
    out.push(d.gaps.length ? h("ul", { class: "gaps" }, d.gaps.map(function (g) { return h("li", { class: "warn" }, gapLine(g)); }))
      : h("p", { class: "note" }, t("no_gaps")));
    out.push(h("h3", null, t("checklists_here")));
    if (!d.checklists.length) out.push(h("p", { class: "note" }, t("no_checklists")));
    else out.push(scroll(t("checklists_here"), h("table", { class: "checklists" },
      h("thead", null, headRow([{ text: t("entry"), num: 1 }, t("observer"), t("point"), t("channel"), t("answers")])),
      h("tbody", null, d.checklists.map(function (r) {
        return h("tr", null, h("td", { class: "num" }, num(r.index)), h("td", null, r.report.observer + " (" + r.organisation + ")"),
          h("td", null, r.report.schedule), h("td", null, r.channel), h("td", { class: "hash" }, r.answers ? r.answers.map(function (a) { return a[lang] || a.en; }).join("; ") : answerText(r.report.answers)));
      })))));
    d.merged.forEach(function (m) {
      var x = m.master, vars = { n: x.observers.length, who: x.observers.join(", "), point: x.schedule, fields: x.conflicts.join(", ") };
      out.push(h("p", { class: x.conflicts.length ? "warn" : "good" }, t(x.conflicts.length ? "merged_line" : "merged_agree", vars)));
    });
    out.push(h("h3", null, t("incidents_here")));
    if (!d.incidents.length) out.push(h("p", { class: "note" }, t("no_incidents")));
    else out.push(scroll(t("incidents_here"), h("table", { class: "incidents" },
      h("thead", null, headRow([{ text: t("entry"), num: 1 }, t("observer"), t("category"), t("severity"), t("text")])),
      h("tbody", null, d.incidents.map(function (r) {
        var i = r.report;
        return h("tr", null, h("td", { class: "num" }, num(r.index)), h("td", null, i.observer + " (" + r.organisation + ")"),
          h("td", null, String(i.category)), h("td", null, i.severity), h("td", null, i.text));
      })))));
    out.push(h("h3", null, t("complaints_here")));
    out.push(d.complaints.length ? complaintTable(d.complaints, contest) : h("p", { class: "note" }, t("no_complaints")));
    return out;
  }

  function dayPage() {
    return load("day").then(function (d) {
      var contest = firstContest();
      var out = [h("h1", null, t("day")), h("h2", null, t("where")), countList(d.total)];
      out.push(h("h2", null, t("overdue_list")), overdueList(d.complaints));
      out.push(h("h2", null, t("complaints_here") + " (" + num(d.complaints.length) + ")"));
      out.push(d.complaints.length ? complaintTable(d.complaints, contest) : h("p", { class: "note" }, t("no_complaints")));
      out.push(h("h2", null, t("gaps_list") + " (" + num(d.gaps.length) + ")"));
      if (!d.gaps.length) out.push(h("p", { class: "good" }, t("gaps_none")));
      else {
        out.push(scroll(t("gaps_list"), h("table", { class: "gaps" },
          h("thead", null, headRow([t("station"), t("kind"), { text: t("count"), num: 1 }, t("message")])),
          h("tbody", null, d.gaps.slice(0, SHOWN).map(function (g) {
            return h("tr", null, h("th", { scope: "row" }, h("a", { href: stationHref(g.contest, g.areas[g.areas.length - 1], g.station) }, g.station)),
              h("td", null, T.en["g_" + g.kind] ? t("g_" + g.kind) : g.kind), h("td", { class: "num differs" }, (g.size > 0 ? "+" : "") + g.size), h("td", null, gapLine(g)));
          })))));
        if (d.gaps.length > SHOWN) out.push(h("p", { class: "note" }, t("shown", { n: num(SHOWN), m: num(d.gaps.length) })));
      }
      if (d.without_accounting.length) out.push(h("p", { class: "note" }, t("without_accounting", { n: num(d.without_accounting.length), list: d.without_accounting.join(", ") })));
      out.push(h("h2", null, t("alerts")));
      var kinds = Object.keys(d.alert_counts);
      out.push(kinds.length ? h("ul", null, kinds.map(function (k) { return h("li", null, alertName(k) + " (" + k + "): " + num(d.alert_counts[k])); }))
        : h("p", { class: "note" }, t("no_alerts")));
      out.push(h("p", null, h("a", { href: "#/flags" }, t("nav_flags"))));
      out.push(h("h2", null, t("cards")));
      function cardTable(title, rows, link) {
        return scroll(title, h("table", null, h("caption", null, title),
          h("thead", null, headRow([title, { text: t("issued"), num: 1 }, { text: t("nodoc"), num: 1 }, { text: t("over_threshold"), num: 1 }, { text: t("approved"), num: 1 }])),
          h("tbody", null, rows.map(function (r) {
            return h("tr", null, h("th", { scope: "row" }, link ? h("a", { href: "#/area/" + encodeURIComponent(contest) + "/" + encodeURIComponent(r.key) }, r.key) : r.key),
              h("td", { class: "num" }, num(r.issued)), h("td", { class: "num" + (r.without_document ? " differs" : "") }, num(r.without_document)),
              h("td", { class: "num" }, num(r.over_threshold)), h("td", { class: "num" }, num(r.approved)));
          }))));
      }
      var byNodoc = function (a, b) { return b.without_document - a.without_document || (a.key < b.key ? -1 : 1); };
      out.push(cardTable(t("by_officer"), d.cards_by_officer.slice().sort(byNodoc), false));
      out.push(cardTable(t("by_commune"), d.cards_by_commune.slice().sort(byNodoc), true));
      out.push(h("h2", null, t("checklists_by_form")));
      out.push(scroll(t("checklists_by_form"), h("table", null,
        h("thead", null, headRow(["", t("point"), { text: t("signed"), num: 1 }, { text: t("by_sms"), num: 1 }, { text: t("stations"), num: 1 }])),
        h("tbody", null, d.checklists.map(function (c) {
          return h("tr", null, h("th", { scope: "row" }, c.organisation + " " + c.form + " v" + c.version), h("td", null, c.schedule),
            h("td", { class: "num" }, num(c.signed)), h("td", { class: "num" }, num(c.sms)), h("td", { class: "num" }, num(c.stations)));
        })))));
      var s = d.sms;
      out.push(h("p", null, t("sms_counts", { r: num(s.received), a: num(s.accepted), f: num(s.flagged), x: num(s.refused), p: num(s.repeats), u: num(s.unknown_sender) })));
      out.push(h("h2", null, t("incidents_by")));
      out.push(d.incidents.length ? scroll(t("incidents_by"), h("table", null,
        h("thead", null, headRow(["", t("category"), t("severity"), { text: t("count"), num: 1 }])),
        h("tbody", null, d.incidents.map(function (i) {
          return h("tr", null, h("th", { scope: "row" }, i.organisation + " " + i.form), h("td", null, i.category + " " + i.label),
            h("td", null, i.severity), h("td", { class: "num" }, num(i.incidents)));
        })))) : h("p", { class: "note" }, t("no_incidents")));
      out.push(h("h2", null, t("conflicts_list")));
      out.push(d.conflicts.length ? h("ul", null, d.conflicts.map(function (m) {
        var x = m.master;
        return h("li", { class: "warn" }, t("station") + " " + x.station + ": " + t("merged_line", { n: x.observers.length, who: x.observers.join(", "), point: x.schedule, fields: x.conflicts.join(", ") }));
      })) : h("p", { class: "note" }, t("nothing_below")));
      return out;
    });
  }

  function plot(file, alt) {
    return h("figure", { class: "plot" }, h("img", { src: "data/" + file + "." + lang + ".svg", alt: alt }), h("figcaption", null, alt));
  }

  function forensicsPage(contest) {
    contest = contest || firstContest();
    return load("forensics/" + fileName(contest)).then(function (f) {
      var out = [h("h1", null, t("forensics"))];
      if (f.unavailable) { out.push(h("p", { class: "note" }, t("forensics_none", { why: f.unavailable }))); return out; }
      out.push(h("p", null, t("forensics_intro", { n: num(f.stations) })));
      if (f.leader) out.push(h("p", null, t("leader_line", { name: f.leader.name + " — " + choiceName(f.leader.name), share: pct(f.leader.share) })));
      var it = f.integer_percentages;
      if (it) out.push(h("p", null, t("integer_line", { k: num(it.integer), mean: it.mc_mean.toFixed(1), p: it.p_value.toFixed(2), r: num(it.replicates) })));
      var total = f.last_digits.reduce(function (a, b) { return a + b; }, 0);
      f.plots.forEach(function (p) {
        if (p[0] === "last_digits") {
          out.push(h("h2", null, t("digits_title")));
          out.push(plot(p[1], t("digits_alt")));
          out.push(h("p", null, t("digits_words", { list: f.last_digits.map(num).join(", "), e: num(Math.round(total / 10)) })));
        } else if (p[0] === "fingerprint") {
          out.push(h("h2", null, t("fingerprint_title")));
          out.push(plot(p[1], t("fingerprint_alt")));
          out.push(h("p", null, t("fingerprint_words", { n: num(f.fingerprint) })));
        }
      });
      out.push(h("h2", null, t("red_flags")));
      if (!f.red_flags.length) out.push(h("p", { class: "good" }, t("nothing_below")));
      else {
        out.push(scroll(t("red_flags"), h("table", null,
          h("thead", null, headRow([t("kind"), { text: t("stations"), num: 1 }])),
          h("tbody", null, f.red_flags.map(function (r) {
            return h("tr", null, h("th", { scope: "row" }, r[1]), h("td", { class: "num" }, num(r[2])));
          })))));
        out.push(h("h3", null, t("flagged") + " (" + num(f.flagged_total) + ")"));
        out.push(h("ul", null, f.flagged.map(function (s) {
          return h("li", null, h("a", { href: stationHref(contest, s[1], s[0]) }, t("station") + " " + s[0]), ": " + s[2].join("; "));
        })));
        if (f.flagged_total > f.flagged.length) out.push(h("p", { class: "note" }, t("flagged_shown", { n: num(f.flagged.length), m: num(f.flagged_total) })));
      }
      return out;
    });
  }

  // ------------------------------------------------------------------ routing

  function route() {
    var parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
    var page = parts[0] || "";
    var nav = page === "area" || page === "station" ? "results" : page || "";
    document.querySelectorAll("#sections a").forEach(function (a) {
      var target = a.getAttribute("href").replace(/^#\/?/, "");
      if (target === nav) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    if (page === "results" && election && election.contests.length) {
      location.replace("#/area/" + encodeURIComponent(election.contests[0].id) + "/_");
      return;
    }
    var status = document.getElementById("status"), target = document.getElementById("page");
    status.textContent = t("loading");
    var drawn;
    if (page === "area") drawn = area(parts[1], parts[2] || "_");
    else if (page === "station") drawn = station(parts[1], parts[2], parts[3]);
    else if (page === "flags") drawn = flags();
    else if (page === "witnesses") drawn = witnesses();
    else if (page === "find") drawn = find();
    else if (page === "day") drawn = dayPage();
    else if (page === "forensics") drawn = forensicsPage(parts[1]);
    else drawn = Promise.resolve(summary());
    drawn.then(function (nodes) {
      target.textContent = "";
      add(target, nodes);
      status.textContent = "";
      document.body.setAttribute("data-drawn", location.hash);
      var h1 = target.querySelector("h1");
      document.title = (h1 ? h1.textContent + " · " : "") + (election ? election.name : "");
    }).catch(function (e) {
      target.textContent = "";
      status.textContent = t("not_found") + ": " + e.message;
      document.body.setAttribute("data-drawn", location.hash);
    });
  }

  function setLang(l) {
    lang = l;
    try { localStorage.setItem("lang", l); } catch (e) { /* no storage */ }
    document.documentElement.lang = l;
    document.querySelectorAll("[data-t]").forEach(function (el) { el.textContent = t(el.getAttribute("data-t")); });
    document.getElementById("skip-link").textContent = t("skip");
    document.querySelectorAll(".lang button").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-lang") === l ? "true" : "false");
    });
  }

  document.querySelectorAll(".lang button").forEach(function (b) {
    b.addEventListener("click", function () { setLang(b.getAttribute("data-lang")); route(); });
  });
  setLang(lang);
  load("election").then(function (e) {
    election = e;
    document.getElementById("brand").textContent = e.name;
    window.addEventListener("hashchange", route);
    route();
  }).catch(function () {
    document.getElementById("status").textContent = t("not_found") + ": data/election";
  });
})();
