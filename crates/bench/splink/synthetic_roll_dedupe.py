"""Splink 5.0 (DuckDB) on the synthetic Khmer roll, beside `scrutineer roll dedup`.

usage: python synthetic_roll_dedupe.py ROLL_CSV TRUTH_CSV OUT_JSON [public]

The roll is the one `synthetic::roll::write_csv` writes (crates/bench: `bench dedup-synthetic`).
Configured as a careful Splink user would for this table: names in Khmer script with term
frequencies (the romanisation only in blocking: comparing both scripts would count one name
twice), the full date of birth (or, with `public`, only the birth
year), sex, and the place (same station, same district, else); blocking rules like ours; the prior from deterministic
rules; u by random sampling; m by EM in two sessions. The truth file is read only to score.
"""
import json, logging, sys, time
import duckdb, pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
import splink.comparison_library as cl
import splink.comparison_level_library as cll

roll_csv, truth_csv, out_json = sys.argv[1:4]
public = len(sys.argv) > 4 and sys.argv[4] == "public"

t0 = time.perf_counter()
df = pd.read_csv(roll_csv, dtype=str, keep_default_na=False).replace("", None)
if public:
    df = df.drop(columns=["date_of_birth"])
swap = "l.family = r.given and l.given = r.family"
birth = "birth_year" if public else "date_of_birth"
comparisons = [
    cl.NameComparison("family").configure(term_frequency_adjustments=True),
    cl.NameComparison("given").configure(term_frequency_adjustments=True),
    (cl.DamerauLevenshteinAtThresholds("birth_year", [1]) if public else
     cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d")),
    cl.ExactMatch("sex"),
    # Station and district in one comparison: a station lies in one district, and two
    # comparisons would count one agreement twice.
    cl.CustomComparison(
        output_column_name="place",
        comparison_levels=[
            cll.NullLevel("station"),
            cll.ExactMatchLevel("station"),
            cll.ExactMatchLevel("district"),
            cll.ElseLevel(),
        ],
    ),
]
# Names agree on tens of thousands of voters each in a national roll: a rule on the names
# alone compares hundreds of millions of pairs (Splink ran 30 minutes and 19 GB so), so each
# rule adds the birth year, the district or the station, as ours do.
blocking = [
    block_on("family", "given", "birth_year"),
    swap + " and l.birth_year = r.birth_year",
    block_on("family", "given", "district"),
    block_on("family", "given", "station"),
    block_on("family_latin", "given_latin", "birth_year"),
    block_on("family", "station"), block_on("given", "station"),
    block_on("birth_year", "station"),
    block_on("family", "birth_year", "district"), block_on("given", "birth_year", "district"),
] + ([] if public else [block_on("family", "date_of_birth"), block_on("given", "date_of_birth")])
settings = SettingsCreator(
    unique_id_column_name="voter", link_type="dedupe_only",
    blocking_rules_to_generate_predictions=blocking, comparisons=comparisons,
    retain_intermediate_calculation_columns=False,
)
linker = Linker(DuckDBAPI(connection=duckdb.connect()).register(df), settings,
                log_level=logging.WARNING)
linker.training.estimate_probability_two_random_records_match(
    [block_on("family", "given", birth, "district")], recall=0.6)
linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=42)
linker.training.estimate_parameters_using_expectation_maximisation(
    block_on("family", "given", "district"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_year", "station"))
pred = linker.inference.predict(threshold_match_probability=0.5)
pairs = pred.as_duckdbpyrelation().select("voter_l, voter_r").df()
seconds = time.perf_counter() - t0

truth = pd.read_csv(truth_csv, dtype=str)
person = dict(zip(truth.voter, truth.person))
sizes = truth.groupby("person").size()
true_pairs = int((sizes * (sizes - 1) // 2).sum())
tp = int((pairs.voter_l.map(person) == pairs.voter_r.map(person)).sum())
p = tp / len(pairs) if len(pairs) else 0.0
r = tp / true_pairs if true_pairs else 0.0
f = 2 * p * r / (p + r) if p + r else 0.0
out = dict(records=len(df), pairs=len(pairs), true_pairs=true_pairs, tp=tp,
           precision=p, recall=r, f1=f, seconds=seconds, public=public)
json.dump(out, open(out_json, "w"))
print(json.dumps(out))
