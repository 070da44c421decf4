import Foundation
import SimCLR

/// The text `simclr pretrain` prints before and after training.
enum PretrainReport {
    static func header(_ trainer: Trainer) -> String {
        let c = trainer.configuration, dataset = trainer.dataset, views = c.viewSize, side = c.model.imageSize
        let evaluated = c.viewsAreImageSize ? "" : " (the encoder's images: \(side)×\(side))"
        return """
            \(dataset.count) images (\(dataset.channels) channel(s), \(dataset.classNames.count) classes) from \(c.data)
            resnet-mini widths \(c.model.widths.map(String.init).joined(separator: ",")), projection \(c.model.projectionDim), \(views.height)×\(views.width) views\(evaluated)\
            \(c.multiCrop.map { " + \($0.count) small \($0.size)×\($0.size) views per image (multi-crop, crop scale \($0.scale.lowerBound)–\($0.scale.upperBound)); views/s counts both" } ?? "")
            \(lossDescription(c)), \(c.optimizer.rawValue), peak lr \(String(format: "%.4g", c.peakLearningRate)) (\(c.learningRateScaling.rawValue)), warmup \(trainer.schedule.warmupSteps) of \(trainer.schedule.totalSteps) steps
            \(c.epochs) epochs × \(trainer.stepsPerEpoch) steps of \(c.batchSize) images; output in \(trainer.outputFolder)\
            \(trainer.part.count > 1 ? "\n\(trainer.part.count) processes (MPI), \(trainer.part.sizes(of: c.batchSize).map(String.init).joined(separator: "/")) images per process; global BatchNorm, the loss over the whole batch" : "")\
            \(trainer.progress.step > 0 ? "\nresuming at step \(trainer.progress.step) (epoch \(trainer.progress.epoch + 1))" : "")\
            \(trainer.checkpointEpochs.map { $0 < c.epochs ? "\nthe warmup + cosine schedule now spans \(c.epochs) epochs (the checkpoint's run planned \($0))" : "" } ?? "")
            """
    }

    /// "ntxent (τ 0.5)", or with labels "supcon (τ 0.1), labels, 32 images per class",
    /// "triplet batch-hard (margin 0.2), labels", with small crops "ntxent, 6 views per image as
    /// positives (supcon over image indices) (τ 0.5), views".
    static func lossDescription(_ c: TrainingConfiguration) -> String {
        var name = c.supervision == .labels && c.loss == .ntxent ? "supcon" : c.loss.rawValue
        if c.multiCrop != nil && c.supervision == .views {
            name += ", \(c.viewsPerImage) views per image as positives (supcon over image indices)"
        }
        let mining = c.loss == .triplet ? " " + c.mining.rawValue : ""
        let setting = c.loss == .ntxent || c.loss == .dcl ? "τ \(c.temperature)" : "margin \(c.margin)"
        let sampler = c.samplesPerClass.map { ", \($0) images per class" } ?? ""
        return "\(name)\(mining) (\(setting)), \(c.supervision.rawValue)\(sampler)"
    }

    static func summary(_ s: TrainingSummary, trainer: Trainer) -> String {
        let shares = s.times.shares.map { String(format: "%@ %.1f%%", $0.stage, 100 * $0.share) }.joined(separator: ", ")
        var lines = [
            String(format: "%@ after %d steps (%d epochs) in %@, %.0f views/s", s.completed ? "done" : "stopped", s.step, s.epoch,
                   ProgressDisplay.duration(s.seconds), s.viewsPerSecond),
            "step time: " + shares,
        ]
        if trainer.part.count > 1 {
            lines.append(String(
                format: "%d processes: communication %.1f%% of the time (all-reduce of BatchNorm sums and gradients, all-gather of z)",
                trainer.part.count, 100 * s.communicationSeconds / max(s.seconds, 1e-9)))
        }
        if let loss = s.lastEpochLoss, let top1 = s.lastEpochPositiveTop1 {
            lines.append(String(format: "last epoch: loss %.4f, positive top-1 %.1f%%", loss, 100 * top1))
        }
        if let since = s.collapsedSinceStep {
            lines.append("warning: the run collapsed at step \(since) (every view maps to one direction; loss at its degenerate value): the encoder is useless; lower --lr or change --optimizer")
        }
        if s.completed {
            lines.append("wrote \(trainer.outputFolder)/{\(TrainingCheckpoint.fileName),\(MetricsLog.fileName),\(EncoderManifest.weightsFileName),\(EncoderManifest.fileName)}")
        } else {
            lines.append("checkpoint at step \(s.step); continue with: simclr pretrain --out \(trainer.outputFolder) --resume")
        }
        return lines.joined(separator: "\n")
    }

    static let fullDatasetHint = """
        This was a short demo run. On the full Fashion-MNIST training set:
          Scripts/prepare-fashion-mnist.sh
          simclr pretrain --data datasets/fashion-mnist/train --epochs 100 --batch-size 256 --out runs/fmnist
          simclr probe --encoder runs/fmnist/encoder.safetensors --train datasets/fashion-mnist/train --test datasets/fashion-mnist/test
        """
}
