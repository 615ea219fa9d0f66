using System.Globalization;
using System.Text;

namespace Sesame.Benchmarks;

/// <summary>
/// Puts the sections of one step (e.g. <c>bench/run --identity</c>) into an existing docs/benchmarks.md without re-running the rest: each
/// <c>*.md</c> section replaces the part of the document under the same <c>## </c> heading (or goes before the notes, or at the end), and each
/// <c>*.headline</c> line replaces the headline that starts with the same label (or joins the headline list).
/// </summary>
public static class SectionSplice
{
    private const string HeadlineHeading = "## Headline ratios";

    public static void Write(string sectionsDirectory, string documentPath, string commandLine)
    {
        var lines = File.Exists(documentPath) ? File.ReadAllLines(documentPath).ToList() : ["# Benchmarks", ""];
        var stamp = string.Create(CultureInfo.InvariantCulture,
            $"Measured by `{commandLine}` on {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, separately from the rest of this page (same machine).");
        foreach (var file in Directory.GetFiles(sectionsDirectory, "*.md").Order(StringComparer.Ordinal))
        {
            var section = File.ReadAllText(file).TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            section.Insert(2, stamp);
            section.Insert(3, "");
            section.Add("");
            var heading = section[0];
            var start = lines.IndexOf(heading);
            if (start >= 0)
            {
                var end = NextHeading(lines, start + 1);
                lines.RemoveRange(start, end - start);
                lines.InsertRange(start, section);
            }
            else
            {
                var notes = lines.FindIndex(l => l.StartsWith("## What the profiles showed", StringComparison.Ordinal));
                lines.InsertRange(notes >= 0 ? notes : lines.Count, section);
            }
        }

        foreach (var file in Directory.GetFiles(sectionsDirectory, "*.headline").Order(StringComparer.Ordinal))
        {
            foreach (var headline in File.ReadAllLines(file).Where(l => l.Length > 0))
            {
                var label = headline[..(headline.IndexOf(':', StringComparison.Ordinal) + 1)];
                var existing = lines.FindIndex(l => l.StartsWith(label, StringComparison.Ordinal));
                if (existing >= 0)
                {
                    lines[existing] = headline;
                    continue;
                }

                var list = lines.IndexOf(HeadlineHeading);
                if (list < 0)
                {
                    continue;
                }

                var last = list + 1;
                while (last + 1 < lines.Count && (lines[last + 1].StartsWith("- ", StringComparison.Ordinal) || lines[last + 1].Length == 0 && last == list + 1))
                {
                    last++;
                }

                lines.Insert(last + 1, headline);
            }
        }

        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(line).Append('\n');
        }

        File.WriteAllText(documentPath, text.ToString().TrimEnd() + "\n");
    }

    private static int NextHeading(List<string> lines, int from)
    {
        for (var i = from; i < lines.Count; i++)
        {
            if (lines[i].StartsWith("## ", StringComparison.Ordinal))
            {
                return i;
            }
        }

        return lines.Count;
    }
}
