namespace Sesame.Reliability.Tests.Infrastructure;

/// <summary>
/// Tests that must not share the machine with other tests of this assembly: the load test (its time bound), the listeners of the
/// process-wide metrics and activities, and the suite-wide log check (it runs after the parallel tests, so it sees their logs).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTests
{
    public const string Name = "Reliability serial";
}
