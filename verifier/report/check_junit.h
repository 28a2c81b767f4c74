// The JUnit XML report of `ptverify check` (`--output junit`), for CI test dashboards.
//
// Mapping (docs/check.md, "JUnit XML"): one <testsuite> (inside <testsuites>) per run, one
// <testcase> per rule result, classname "ptverify.<spec file stem>", name = rule name, time = the
// rule's seconds.
//   holds                 passes
//   violated              <failure message="N new violations" type="violated"> listing each of
//                         the rule's violations; when every listed violation of the rule is
//                         baselined the case passes (as the exit code does) and the accepted
//                         ones are listed in <system-out>
//   unknown               <skipped message="unknown: DETAIL"/> (never a pass)
//   not-applicable        <skipped message="not applicable: DETAIL"/>
// The counts tests / failures / errors (always 0) / skipped and the run's time are on both
// <testsuites> and <testsuite>.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "verifier/checks/result.h"

namespace ptv {

/// Writes `r` as a JUnit XML document (UTF-8, ending with '\n').
void write_check_junit(const check::CheckResult& r, std::ostream& os);

/// `s` escaped for XML 1.0: & < > " ' as entities, '\r' as a character reference, and what XML
/// cannot carry (other control characters, bytes that are not UTF-8) as U+FFFD. With
/// `attribute`, '\n' and '\t' become character references too, so an attribute value keeps them
/// (a parser normalises literal ones to spaces [XML 1.0 §3.3.3]).
std::string xml_escape(std::string_view s, bool attribute);

}  // namespace ptv
