#include "summary/report.h"

#include <date/date.h>

#include <map>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "util/duration.h"
#include "config/work_hours.h"
#include "outbox/outbox.h"
#include "store/prompt_store.h"
#include "summary/summary.h"
#include "sync/records.h"
#include "util/error.h"
#include "util/strings.h"

using nlohmann::json;

namespace devtrack {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string hours(int64_t minutes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(minutes) / 60.0);
  return buf;
}

}  // namespace

std::string report_json(Store& store, const Config& config, const std::string& from, const std::string& to,
                        const std::string& by, int64_t now_ms, bool sources) {
  if (by != "day" && by != "project" && by != "ticket" && by != "device")
    throw Error("--by is day, project, ticket or device");
  LocalDay first = local_day(from, config.settings.timezone, now_ms);
  LocalDay last = local_day(to, config.settings.timezone, now_ms);
  if (last.end_ms <= first.start_ms) throw Error("the range ends (" + last.date + ") before it starts (" + first.date + ")");
  if (last.end_ms - first.start_ms > 3700LL * 86'400'000) throw Error("the range is longer than ten years");

  struct Row {
    int64_t minutes = 0;
    int answers = 0;
    std::map<std::string, int64_t> by_source;  // typed, proposed, suggested -> minutes
  };
  std::map<std::string, Row> rows;
  std::map<std::string, std::map<std::string, int64_t>> matrix;  // project -> day -> minutes
  int64_t total = 0;
  AnswerProjects projects(store, config, first.start_ms, last.end_ms);
  DeviceLabels devices(store);
  for (const auto& r : final_responses(store, first.start_ms, last.end_ms)) {
    if (r.state != PromptState::kAnswered) continue;
    json parsed = json::parse(r.parsed.empty() ? "{}" : r.parsed, nullptr, false);
    if (!parsed.is_object() || parsed.value("break", false)) continue;  // a break is no work
    json tickets = kept_tickets(parsed);
    if (tickets.empty()) continue;  // deleted in the summary: not worked time either
    int64_t minutes = parsed.contains("duration_minutes") && parsed["duration_minutes"].is_number()
                          ? parsed["duration_minutes"].get<int64_t>()
                          : 0;
    std::string day = local_date(r.at_ms, config.settings.timezone);
    std::string project = projects.of(r.id, parsed);
    if (project.empty()) project = "(no project)";
    total += minutes;
    matrix[project][day] += minutes;
    std::vector<std::string> keys;
    if (by == "day") keys.push_back(day);
    else if (by == "project") keys.push_back(project);
    else if (by == "device") keys.push_back(devices(r.device));
    else {
      for (const auto& t : tickets)
        if (auto text = ticket_text(t); !text.empty()) keys.push_back(text);
      if (keys.empty()) keys.push_back("(no ticket)");
    }
    std::string source = parsed.value("duration_source", json(nullptr)).is_string()
                             ? parsed["duration_source"].get<std::string>()
                             : "typed";  // answers from before sources were recorded
    for (const auto& k : keys) {
      rows[k].minutes += minutes;
      rows[k].answers += 1;
      if (minutes) rows[k].by_source[source] += minutes;
    }
  }
  json out = {{"from", first.date}, {"to", last.date}, {"by", by}, {"total_minutes", total}};
  out["rows"] = json::array();
  for (const auto& [key, v] : rows) {
    json row = {{"key", key}, {"minutes", v.minutes}, {"answers", v.answers}};
    if (!sources) {
      out["rows"].push_back(row);
      continue;
    }
    for (const char* source : {"typed", "proposed", "suggested"}) {
      auto it = v.by_source.find(source);
      row[std::string(source) + "_minutes"] = it == v.by_source.end() ? 0 : it->second;
    }
    out["rows"].push_back(row);
  }
  out["days"] = json::array();
  // Every day of the range, empty ones included, for the chart's axis.
  std::istringstream in(first.date);
  date::local_days day;
  in >> date::parse("%F", day);
  for (std::string d = first.date; d <= last.date; day += date::days{1}, d = date::format("%F", day))
    out["days"].push_back(d);
  out["by_project_day"] = matrix;
  return out.dump();
}

std::string report_csv(const std::string& report, bool sources) {
  json r = json::parse(report);
  std::string out = r["by"].get<std::string>() + ",minutes,hours,answers" +
                    (sources ? ",typed_minutes,proposed_minutes,suggested_minutes" : "") + "\n";
  for (const auto& row : r["rows"]) {
    out += csv_field(row["key"]) + "," + std::to_string(row["minutes"].get<int64_t>()) + "," + hours(row["minutes"]) +
           "," + std::to_string(row["answers"].get<int>());
    if (sources)
      for (const char* k : {"typed_minutes", "proposed_minutes", "suggested_minutes"})
        out += "," + std::to_string(row[k].get<int64_t>());
    out += "\n";
  }
  return out;
}

std::string report_html(const std::string& report) {
  json r = json::parse(report);
  static const char* kColours[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                   "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  const json& days = r["days"];
  const json& matrix = r["by_project_day"];
  int64_t peak = 1;
  for (const auto& d : days) {
    int64_t sum = 0;
    for (const auto& [project, per_day] : matrix.items()) sum += per_day.value(d.get<std::string>(), int64_t{0});
    peak = std::max(peak, sum);
  }
  const int bar = 28, gap = 8, height = 240, left = 48, top = 10;
  int width = left + static_cast<int>(days.size()) * (bar + gap) + 10;
  std::string svg = "<svg width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(height + 60) + "\" role=\"img\" aria-label=\"minutes per project per day\">\n";
  svg += "<text x=\"4\" y=\"" + std::to_string(top + 10) + "\" font-size=\"11\">" + hours(peak) + " h</text>\n";
  svg += "<line x1=\"" + std::to_string(left - 4) + "\" y1=\"" + std::to_string(top + height) + "\" x2=\"" +
         std::to_string(width) + "\" y2=\"" + std::to_string(top + height) + "\" stroke=\"#999\"/>\n";
  int x = left;
  for (const auto& d : days) {
    int y = top + height;
    size_t colour = 0;
    for (const auto& [project, per_day] : matrix.items()) {
      int64_t m = per_day.value(d.get<std::string>(), int64_t{0});
      int h = static_cast<int>(m * height / peak);
      if (m > 0) {
        y -= h;
        svg += "<rect class=\"bar\" x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
               std::to_string(bar) + "\" height=\"" + std::to_string(h) + "\" fill=\"" + kColours[colour % 10] +
               "\"><title>" + html_escape(project + " " + d.get<std::string>() + ": " + minutes_text(m)) +
               "</title></rect>\n";
      }
      ++colour;
    }
    svg += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(top + height + 14) +
           "\" font-size=\"9\" transform=\"rotate(45 " + std::to_string(x) + " " + std::to_string(top + height + 14) +
           ")\">" + html_escape(d.get<std::string>().substr(5)) + "</text>\n";
    x += bar + gap;
  }
  svg += "</svg>\n";
  std::string legend;
  size_t colour = 0;
  for (const auto& [project, per_day] : matrix.items())
    legend += "<span><i style=\"background:" + std::string(kColours[colour++ % 10]) + "\"></i>" + html_escape(project) +
              "</span> ";

  std::string title = "Timesheet " + r["from"].get<std::string>() + " – " + r["to"].get<std::string>();
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
                  "</title>\n<style>body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
                  "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.2em .8em;text-align:left}"
                  "td.n{text-align:right}.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em}"
                  "</style></head><body>\n<h1>" + html_escape(title) + "</h1>\n";
  h += "<p id=\"total\">Total: <strong>" + html_escape(minutes_text(r["total_minutes"])) + "</strong> (" +
       hours(r["total_minutes"]) + " h)</p>\n";
  h += svg + "<p class=\"legend\">" + legend + "</p>\n";
  h += "<table id=\"rows\"><tr><th>" + html_escape(r["by"].get<std::string>()) +
       "</th><th>minutes</th><th>hours</th><th>answers</th></tr>\n";
  for (const auto& row : r["rows"])
    h += "<tr><td>" + html_escape(row["key"].get<std::string>()) + "</td><td class=\"n\">" +
         std::to_string(row["minutes"].get<int64_t>()) + "</td><td class=\"n\">" + hours(row["minutes"]) +
         "</td><td class=\"n\">" + std::to_string(row["answers"].get<int>()) + "</td></tr>\n";
  return h + "</table>\n</body></html>\n";
}

}  // namespace devtrack
