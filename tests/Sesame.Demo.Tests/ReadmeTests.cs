using System.Text.RegularExpressions;
using Sesame.Demo.Tests.Infrastructure;

namespace Sesame.Demo.Tests;

/// <summary>The README's first screen promises what the other tests exercise: keep the two in step.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));

    [Fact]
    public void First_code_block_holds_exactly_the_demo_command_and_the_suite_command()
    {
        var firstBlock = FencedBlock().Match(Readme);
        Assert.True(firstBlock.Success, "README.md should start with a fenced command block");
        var commands = firstBlock.Groups["body"].Value
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('#')[0].Trim())
            .Where(line => line.Length > 0)
            .ToArray();

        // The tests start the demo with exactly this command (plus --no-build, -c and arguments after --).
        Assert.Equal(["dotnet run --project samples/Demo", "bash build/test.sh"], commands);
        Assert.Equal(["run", "--project", Path.Combine("samples", "Demo")], DemoProcess.Arguments(1, "x", []).Take(3));
    }

    [Fact]
    public void First_screen_shows_the_screenshot_the_tests_produce()
    {
        var beforeFirstSection = Readme[..Readme.IndexOf("\n## ", StringComparison.Ordinal)];
        Assert.Contains("(docs/demo.png)", beforeFirstSection, StringComparison.Ordinal);
        Assert.True(File.Exists(RepositoryPaths.ReadmeScreenshot), "docs/demo.png should be committed");
    }

    [GeneratedRegex("```[a-z]*\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
