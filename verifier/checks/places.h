// Where a finding is: the innermost spec region that contains it, and, for a Linux kernel, the
// kernel's own names for the place (its symbol, the image section, the area as Linux's ptdump
// marks it).
//
// The area of an address is the name of the last of Linux's address markers
// (arch/x86/mm/dump_pagetables.c) at or below it, as ptdump prints its `---[ NAME ]---` lines:
// "User Space" from 0, "Kernel Space" from the kernel half, then one marker at the start of
// each spec region of a kind Linux names (direct-map: "Low Kernel Mapping", vmalloc:
// "vmalloc() Area", vmemmap: "Vmemmap", cpu-entry: "CPU entry Area", espfix: "ESPfix Area", efi:
// "EFI Runtime Services", modules: "Modules" and "End Modules" after it, fixmap: "Fixmap Area",
// ldt: "LDT remap", kasan: "KASAN shadow"), and "High Kernel Mapping" at __START_KERNEL_map.
// Region starts come from the run's parameter values, so an inferred base gives an area that
// is only as good as that value (the report says which values were read from the kernel).
#pragma once

#include <string>
#include <vector>

#include "models/expected.h"
#include "verifier/checks/result.h"
#include "verifier/ingest/symbols.h"
#include "verifier/spec/concrete.h"
#include "verifier/spec/spec.h"

namespace ptv::check {

/// Names each violation's innermost region where its rule names none (global rules). Leaves
/// the result unchanged when its parameter values do not place every region.
void name_regions(CheckResult& r, const spec::Spec& spec);

struct PlaceOptions {
  const SymbolTable* symbols = nullptr;  ///< symbol and section; null: none
  bool linux_areas = false;              ///< the dump is a Linux kernel: name ptdump's areas
};

/// Linux's name for the area holding `va` under this layout ("" when the spec places no
/// region Linux names and va is in neither half's first marker).
[[nodiscard]] std::string linux_area(const spec::Layout& layout, VirtAddr va);

/// The place of `va` for these options under this layout (null: no areas).
[[nodiscard]] Place place_of(VirtAddr va, const spec::Layout* layout, const PlaceOptions& o);

/// Fills every violation's first_place and last_place. The areas need the run's parameter
/// values to place every region; without them only symbols and sections are filled.
void locate_violations(CheckResult& r, const spec::Spec& spec, const PlaceOptions& o);

/// Where each region of the spec is written (CheckResult::spec_lines and spec_files), for the
/// reports that point at it (SARIF).
void set_spec_locations(CheckResult& r, const spec::Spec& spec);

/// The spec's layout for the parameters a check reported (in Spec::parameters order). Error
/// when they do not place every region (e.g. the check never got as far as a candidate).
[[nodiscard]] Expected<spec::Layout> result_layout(const CheckResult& r, const spec::Spec& spec);

}  // namespace ptv::check
