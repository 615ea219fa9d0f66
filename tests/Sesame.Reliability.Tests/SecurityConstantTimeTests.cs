using System.Text.RegularExpressions;
using Sesame.Testing;

namespace Sesame.Reliability.Tests;

/// <summary>
/// A guard over the server's source (timing cannot be measured reliably on a shared 2-core machine): secrets are compared only
/// through <c>CryptographicOperations.FixedTimeEquals</c> (directly or via <c>TokenCrypto.FixedTimeEquals</c>), at every place that
/// compares a presented secret with a stored or expected one. docs/reliability.md lists the places and the reviewed exceptions.
/// </summary>
public sealed partial class SecurityConstantTimeTests
{
    // An ==, != or Equals whose operand names secret material (hashes, MACs, anti-CSRF tokens, secrets, refresh tokens).
    [GeneratedRegex(@"(?ix) (hash\w*|mac\w*|anticsrftoken\w*|secret\w*|refreshtoken\w*) \s* (==|!=) | (==|!=) \s* [\w.]*(hash|mac|anticsrftoken|secret|refreshtoken)\w* \b (?!\s*\.?(length|count)) | (string\.)?equals\( [^)]* (hash|mac|anticsrftoken|secret|refreshtoken)")]
    private static partial Regex NonConstantTimeComparison();

    [Fact]
    public void Security_secret_comparisons_use_fixed_time_equals_and_no_plain_equality_touches_secrets()
    {
        var src = Path.Combine(RepositoryRoot.Path, "src");
        var files = new[] { "Sesame.AspNetCore", "Sesame.Storage.PostgreSql" }
            .SelectMany(p => Directory.EnumerateFiles(Path.Combine(src, p), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);

        var offenders = new List<string>();
        var fixedTimeFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.StartsWith("//", StringComparison.Ordinal) || line.StartsWith("///", StringComparison.Ordinal))
                {
                    continue;
                }

                if (line.Contains("FixedTimeEquals(", StringComparison.Ordinal))
                {
                    fixedTimeFiles.Add(Path.GetFileName(file));
                }

                var code = Regex.Replace(line, @"(==|!=)\s*null\b|\bis (not )?null\b|\.(Length|Count)\s*(==|!=)|\w+\.HashSizeInBytes", ""); // sizes and null checks are not secrets
                if (NonConstantTimeComparison().IsMatch(code) && !line.Contains("FixedTimeEquals", StringComparison.Ordinal))
                {
                    offenders.Add($"{Path.GetRelativePath(src, file)}:{i + 1}: {line}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "plain comparisons of secret material:\n" + string.Join("\n", offenders));
        // Each secret comparison exists once and goes through the constant-time helper: the anti-CSRF rule (verification and refresh),
        // the two-phase rotation rule (refresh and promotion compare refresh-token hashes there), the refresh-token MAC, the helper itself.
        Assert.Superset(new HashSet<string>(StringComparer.Ordinal) { "AntiCsrfCheck.cs", "RotationRule.cs", "RefreshTokenCodec.cs", "TokenCrypto.cs" },
            fixedTimeFiles);
    }
}
