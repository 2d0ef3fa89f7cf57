// Tables over saved fleet-sim reports (the JSON that --json-out writes): side by side for one
// scenario, one line per run for a suite, and the worst of several seeds per scenario.
// They read the JSON, not a RunReport, so they work on reports from earlier runs; a field a
// report lacks prints "-".
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

namespace wss::sim {

// Side by side: one column per run (reports of one scenario), then the steal floor's and the
// ideal scheduler's columns taken from the first run.
void printComparison(const std::vector<nlohmann::json>& runs, std::FILE* out);
// One line per run, for a suite of scenarios.
void printSummary(const std::vector<nlohmann::json>& runs, std::FILE* out);
// One line per scenario, run label and dispatch mode over every seed given: the worst
// p99 / floor p99 and p50 / floor p50, the totals of lost, duplicated and misplaced tasks
// (violations plus steals refused for a capability), and whether every seed met the goal.
void printWorst(const std::vector<nlohmann::json>& runs, std::FILE* out);
// One line per ha run (--ha-replicas): kills, resume times, lost / duplicated / misplaced,
// fenced orders and the ha goal. Reports without an ha part are skipped.
void printHaSummary(const std::vector<nlohmann::json>& runs, std::FILE* out);

}  // namespace wss::sim
