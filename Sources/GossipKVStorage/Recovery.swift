import GossipKVCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a data directory back: the newest valid snapshot, then the log segments after it. What
/// the records hold is folded by the core's `LogReplay` (the simulator's modelled log recovers
/// through it too); this type decides which files and records survive.
///
/// Two phases, so that a refusal touches nothing: `plan` only reads and either throws or says
/// what to change (torn tails to cut, covered or broken files to delete); `apply` changes it.
///
/// Rules:
/// - A torn tail (damage with no valid record after it) in the newest segment is what a crash
///   during an append leaves: it is cut and reported with its segment and offset.
/// - Damage with a valid record after it, a torn tail in an older segment (those were fsynced
///   before the log rolled on) and a missing segment are refused unless `repair` is set. With
///   `repair`, the damaged record and the rest of its segment are cut, and the watermarks stay
///   those logged before the first cut: entries after it were kept, but a watermark logged later
///   may cover entries that were cut, and claiming less than is held is the safe side (peers
///   resend what the watermark does not claim).
/// - A file of a newer format version is refused whatever `repair` says.
/// - Every cut (a torn tail or a repair) is a `PossibleLoss` in the recovered state: the node
///   then writes under a new data epoch, so that none of its claims covers a write that was cut.
enum Recovery {
    struct Plan {
        var state: RecoveredState
        /// The sequence of the segment the storage appends to next.
        var nextSegment: UInt64
        /// Log bytes not covered by the snapshot used.
        var logBytes: Int
        /// Files to cut to a size, then files to delete (paths).
        var truncations: [(path: String, size: Int)] = []
        var deletions: [String] = []
    }

    static func plan(directory: String, names: [String], repair: Bool, limits: Limits) throws(StorageError)
        -> Plan
    {
        let segments = names.compactMap(SegmentName.parseSegment).sorted()
        let snapshots = names.compactMap(SegmentName.parseSnapshot).sorted(by: >)
        var report: [String] = []
        var losses: [PossibleLoss] = []
        var deletions = names.filter { $0.hasSuffix(".tmp") }.map { directory + "/" + $0 }
        for path in deletions { report.append("deleted the unfinished snapshot \(path)") }

        // The newest snapshot that reads; a newer format stops everything.
        var chosen: (sequence: UInt64, contents: SnapshotFile.Contents)?
        var snapshotFailure: (name: String, reason: String)?
        for sequence in snapshots {
            let name = SegmentName.snapshotName(sequence)
            let bytes = try Posix.readFile(directory + "/" + name)
            do throws(SnapshotFile.DecodeError) {
                let contents = try SnapshotFile.decode(bytes[...], limits: limits)
                guard contents.firstUncoveredSegment == sequence else {
                    throw .corrupt(
                        "it covers up to segment \(contents.firstUncoveredSegment), its name says \(sequence)"
                    )
                }
                chosen = (sequence, contents)
                break
            } catch {
                if case .unsupported(let reason) = error {
                    throw .unsupportedFormat(file: name, reason: reason)
                }
                report.append("snapshot \(name) is unreadable (\(error)); trying an older one")
                if snapshotFailure == nil { snapshotFailure = (name, error.description) }
            }
        }
        var replayed = LogReplay()
        if chosen == nil, let failure = snapshotFailure {
            guard repair else { throw .corruptSnapshot(file: failure.name, reason: failure.reason) }
            report.append("repair: no snapshot is usable; recovering from the log alone, watermarks reset")
            losses.append(.repairCut("the unusable snapshot \(failure.name)"))
            replayed.freezeWatermarks()
        }

        let base: UInt64
        if let (sequence, contents) = chosen {
            base = sequence
            var map = LWWMap()
            var count = 0
            for chunk in contents.entryChunks {
                count += chunk.count
                map.reserveCapacity(count)
                for entry in chunk { map.merge(entry) }
            }
            replayed = LogReplay(snapshot: map, digest: contents.digest, clockCeiling: contents.clockCeiling)
            report.append("loaded snapshot \(SegmentName.snapshotName(sequence)): \(count) entries")
            for older in snapshots where older < sequence {
                deletions.append(directory + "/" + SegmentName.snapshotName(older))
            }
            for covered in segments where covered < sequence {
                deletions.append(directory + "/" + SegmentName.fileName(covered))
            }
        } else {
            // Without any snapshot the log must start at segment 1; after a repair, wherever it starts.
            base = snapshotFailure != nil ? (segments.first ?? 1) : 1
        }

        var expected = base
        var logBytes = 0
        var records = 0
        let replay = segments.filter { $0 >= base }
        var truncations: [(path: String, size: Int)] = []
        var reusedSequence: UInt64?
        for (position, sequence) in replay.enumerated() {
            let name = SegmentName.fileName(sequence)
            let path = directory + "/" + name
            let isNewest = position == replay.count - 1
            if sequence != expected {
                guard repair else { throw .missingSegment(directory: directory, sequence: expected) }
                report.append(
                    "repair: segments \(SegmentName.hex16(expected)) to \(SegmentName.hex16(sequence - 1)) are missing; continuing"
                )
                losses.append(
                    .repairCut(
                        "missing segments \(SegmentName.hex16(expected)) to \(SegmentName.hex16(sequence - 1))"
                    ))
                replayed.freezeWatermarks()
            }
            expected = sequence + 1
            let bytes = try Posix.readFile(path)
            let scan = SegmentScan(bytes[...], limits: limits)
            if let problem = scan.headerProblem {
                switch problem {
                case .unsupported(let version):
                    throw .unsupportedFormat(file: name, reason: "log segment format version \(version)")
                case .torn where isNewest:
                    // Its sequence is reused for the new segment, so the log keeps no hole.
                    report.append("segment \(name): header torn by a crash at its creation; replaced")
                    deletions.append(path)
                    reusedSequence = sequence
                case .torn, .invalid:
                    let reason = problem == .torn ? "header cut short" : "\(problem)"
                    guard repair else { throw .corruptLog(segment: name, offset: 0, reason: reason) }
                    report.append("repair: segment \(name) has a bad header (\(reason)); deleted")
                    losses.append(.repairCut("segment \(name) (bad header)"))
                    deletions.append(path)
                    replayed.freezeWatermarks()
                }
                continue
            }
            if let header = scan.header, header.sequence != sequence {
                let reason = "its header names segment \(header.sequence)"
                guard repair else { throw .corruptLog(segment: name, offset: 0, reason: reason) }
                report.append("repair: segment \(name): \(reason); deleted")
                losses.append(.repairCut("segment \(name) (\(reason))"))
                deletions.append(path)
                replayed.freezeWatermarks()
                continue
            }
            for (_, record) in scan.records { record.replay(into: &replayed) }
            records += scan.records.count
            logBytes += scan.validEnd
            switch scan.ending {
            case .clean:
                break
            case .tornTail(let offset, let reason) where isNewest:
                report.append(
                    "segment \(name): torn tail cut at offset \(offset) (\(reason)); \(bytes.count - offset) bytes dropped"
                )
                truncations.append((path, offset))
                losses.append(.tornTail(segment: name, offset: offset))
            case .tornTail(let offset, let reason), .corrupt(let offset, let reason):
                guard repair else { throw .corruptLog(segment: name, offset: offset, reason: reason) }
                report.append(
                    "repair: segment \(name) cut at offset \(offset) (\(reason)); \(bytes.count - offset) bytes dropped, watermarks kept from before the cut"
                )
                truncations.append((path, offset))
                losses.append(.repairCut("segment \(name) from offset \(offset)"))
                replayed.freezeWatermarks()
            }
        }
        if chosen != nil && replay.isEmpty {
            // The roll before a snapshot creates this segment (durably) before the snapshot exists.
            guard repair else { throw .missingSegment(directory: directory, sequence: base) }
            report.append(
                "repair: segment \(SegmentName.fileName(base)) after the snapshot is missing; continuing")
            losses.append(.repairCut("the missing segment \(SegmentName.fileName(base))"))
        }
        report.append("replayed \(records) log records from \(replay.count) segments")
        var state = RecoveredState(
            map: replayed.map, digest: replayed.digest, clockCeiling: replayed.clockCeiling,
            isFresh: segments.isEmpty && snapshots.isEmpty, report: report)
        state.possibleLosses = losses
        var plan = Plan(
            state: state, nextSegment: reusedSequence ?? max(expected, (segments.last ?? 0) + 1),
            logBytes: logBytes)
        plan.truncations = truncations
        plan.deletions = deletions
        return plan
    }

    /// Carries out the plan's cuts and deletions, durably.
    static func apply(_ plan: Plan, directory: String) throws(StorageError) {
        for (path, size) in plan.truncations {
            let file = try Posix.open(path, O_WRONLY)
            try Posix.truncate(file, to: size)
            try Posix.fsync(file)
        }
        for path in plan.deletions { try Posix.unlink(path) }
        if !plan.truncations.isEmpty || !plan.deletions.isEmpty { try Posix.fsyncDirectory(directory) }
    }
}
