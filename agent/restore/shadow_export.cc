// Mirror store -> snapshot file + hash at a revision.
#include "agent/restore/shadow_export.h"

#include <filesystem>
#include <fstream>

#include "mirror/current_file.h"
#include "shadekv/mirror/mirror_store.h"

namespace shadekv::restore {
namespace {

namespace fs = std::filesystem;

Result<ShadowExport> Export(const std::string& shadow_data_dir, const std::string& out_path,
                            std::optional<int64_t> at_revision,
                            const store::SnapshotProgress& progress) {
  SHADEKV_ASSIGN_OR_RETURN(std::string mirror_dir, LocateMirrorDir(shadow_data_dir));
  Result<std::unique_ptr<mirror::MirrorStore>> opened = mirror::MirrorStore::Open(mirror_dir);
  if (!opened.ok()) {
    return opened.status().WithContext("opening the shadow's store in " + mirror_dir +
                                       " (stop the shadow first, or work on a copy of its "
                                       "data dir)");
  }
  std::shared_ptr<const store::MvccStore> kv = (*opened)->Store();
  ShadowExport result;
  result.revision = kv->CurrentRevision();
  result.compact_revision = kv->CompactRevision();
  result.at_revision = at_revision.value_or(result.revision);
  Result<store::HashResult> hash = kv->HashKv(result.at_revision);
  if (!hash.ok()) {
    return hash.status().WithContext("revision " + std::to_string(result.at_revision) +
                                     " on the shadow (it holds revisions " +
                                     std::to_string(std::max<int64_t>(result.compact_revision, 1)) +
                                     " to " + std::to_string(result.revision) + ")");
  }
  result.hash_at = hash->hash;
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Unavailable("cannot create " + out_path);
  int64_t exported_revision = 0;
  SHADEKV_RETURN_IF_ERROR(kv->ExportSnapshot(
      [&](std::string_view chunk) {
        out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        return out ? Status::Ok()
                   : Status::Unavailable("cannot write " + out_path + ": check disk space");
      },
      progress, &exported_revision));
  out.close();
  if (!out) return Status::Unavailable("cannot write " + out_path + ": check disk space");
  if (exported_revision != result.revision) {
    return Status::Aborted("the shadow's store moved during the export (is the shadow running?)");
  }
  return result;
}

}  // namespace

Result<std::string> LocateMirrorDir(const std::string& shadow_data_dir) {
  std::error_code ec;
  for (const std::string& dir : {shadow_data_dir, shadow_data_dir + "/mirror"}) {
    // LevelDB keeps a CURRENT file too; the mirror's names a store-N.
    Result<std::optional<uint64_t>> generation = mirror::ReadCurrent(dir);
    if (generation.ok() && generation->has_value() &&
        fs::is_directory(mirror::GenerationDir(dir, **generation), ec)) {
      return dir;
    }
  }
  return Status::NotFound("'" + shadow_data_dir +
                          "' is not a shadow's data dir: neither it nor its mirror/ "
                          "subdirectory holds a mirror store (CURRENT and store-N)");
}

Result<ShadowExport> ExportShadowSnapshot(const std::string& shadow_data_dir,
                                          const std::string& out_path,
                                          std::optional<int64_t> at_revision,
                                          const store::SnapshotProgress& progress) {
  Result<ShadowExport> result = Export(shadow_data_dir, out_path, at_revision, progress);
  if (!result.ok()) {
    std::error_code ec;
    fs::remove(out_path, ec);
  }
  return result;
}

}  // namespace shadekv::restore
