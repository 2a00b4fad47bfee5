package org.evomerge.engine.config;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.mapstruct.Mapper;
import org.mapstruct.ReportingPolicy;
import org.mapstruct.factory.Mappers;

/**
 * Maps the mutable {@link SettingsDto} to the immutable {@link Settings} records. Unmapped targets fail the build,
 * so a new setting cannot be forgotten here.
 */
@Mapper(unmappedTargetPolicy = ReportingPolicy.ERROR)
public interface SettingsMapper {

    SettingsMapper INSTANCE = Mappers.getMapper(SettingsMapper.class);

    Settings toSettings(SettingsDto dto);

    PluginSettings toPluginSettings(SettingsDto.Plugins dto);

    ComputeSettings toComputeSettings(SettingsDto.Compute dto);

    RunSettings toRunSettings(SettingsDto.Run dto);

    ArchitectureSettings toArchitectureSettings(SettingsDto.Architectures dto);

    OutputSettings toOutputSettings(SettingsDto.Output dto);

    EvaluationSettings toEvaluationSettings(SettingsDto.Evaluation dto);

    default Path toPath(String path) {
        return path == null || path.isBlank() ? null : Path.of(path);
    }

    default Optional<Path> toOptionalPath(String path) {
        return Optional.ofNullable(toPath(path));
    }

    default List<Path> toPaths(List<String> paths) {
        return paths == null ? List.of() : paths.stream().filter(p -> !p.isBlank()).map(Path::of).toList();
    }

    default Set<String> toSet(List<String> values) {
        return values == null ? Set.of() : new LinkedHashSet<>(values);
    }
}
