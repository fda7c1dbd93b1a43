using OutlookOAuth.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Configuration;

/// <summary>The corpus in Malformed/: each file's first line says "# expect LINE:COLUMN text".</summary>
public class MalformedFileTests
{
    public static TheoryData<string> Corpus()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Configuration", "Malformed"), "*.yaml").Order())
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Fact]
    public void Corpus_has_at_least_15_files() => Assert.True(Corpus().Count >= 15);

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Malformed_file_is_refused_with_file_line_column_and_left_byte_identical(string name)
    {
        using var dir = new TempDirectory();
        var path = dir.File("config.yaml");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Configuration", "Malformed", name), path);
        var before = File.ReadAllBytes(path);
        var header = File.ReadLines(path).First().Split(' ', 4); // "#", "expect", "L:C", text
        var (line, column) = (long.Parse(header[2].Split(':')[0]), long.Parse(header[2].Split(':')[1]));

        var store = new ConfigurationStore(path);
        var read = Assert.Throws<ConfigurationFileException>(() => store.Load());
        Assert.Equal(path, read.FilePath);
        Assert.Equal((line, column), (read.Line, read.Column));
        Assert.Contains(header[3], read.Message);
        Assert.StartsWith($"{path}:{line}:{column}: ", read.Message);

        // A change attempted through the cmdlets' path writes nothing.
        Assert.Throws<ConfigurationFileException>(() =>
        {
            var batch = new ConfigurationBatch(store);
            batch.AddServer(new ServerSpec { Username = "new@example.com" }, force: false);
            batch.Commit();
        });
        Assert.Throws<ConfigurationFileException>(() => store.Update(c => c.Parameters["x"] = "y"));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories), f => !f.EndsWith(".lock"));
    }
}
