// Descriptor load times on PostgreSQL: the same n×dimension float32 descriptors stored as real[] and as bytea (little-endian
// float32), each read back into one row-major float block the way ReadAllEmbeddings does, median of several reads after a
// warm-up; then the two stores' ReadAllEmbeddings over n faces (the PostgreSQL store in a schema of its own, dropped at the end).
//
//   dotnet run -c Release --project bench/Lookalike.StoreBench -- "<Npgsql connection string>" [n=10000] [dimension=128] [reads=9]
using System.Diagnostics;
using System.Runtime.InteropServices;
using Lookalike.Faces;
using Lookalike.Gallery;
using Lookalike.Gallery.Postgres;
using Lookalike.Gallery.Sqlite;
using Npgsql;
using NpgsqlTypes;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Lookalike.StoreBench <Npgsql connection string> [n=10000] [dimension=128] [reads=9]");
    return 1;
}
var server = args[0];
var n = args.Length > 1 ? int.Parse(args[1]) : 10_000;
var dimension = args.Length > 2 ? int.Parse(args[2]) : 128;
var reads = args.Length > 3 ? int.Parse(args[3]) : 9;
var schema = "bench_" + Guid.NewGuid().ToString("N");
var random = new Random(42);
var descriptors = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();

await using var admin = NpgsqlDataSource.Create(server);
await Exec(admin, $"CREATE SCHEMA {schema}");
var scoped = new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ToString();
var data = Path.Combine(Path.GetTempPath(), schema);
try
{
    await using var source = NpgsqlDataSource.Create(scoped);
    await Exec(source, "CREATE TABLE v_real (id bigint PRIMARY KEY, vector real[] NOT NULL); CREATE TABLE v_bytea (id bigint PRIMARY KEY, vector bytea NOT NULL)");
    await using (var connection = await source.OpenConnectionAsync())
    {
        await using (var writer = await connection.BeginBinaryImportAsync("COPY v_real (id, vector) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < n; i++)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync((long)i, NpgsqlDbType.Bigint);
                await writer.WriteAsync(descriptors[i], NpgsqlDbType.Array | NpgsqlDbType.Real);
            }
            await writer.CompleteAsync();
        }
        await using (var writer = await connection.BeginBinaryImportAsync("COPY v_bytea (id, vector) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < n; i++)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync((long)i, NpgsqlDbType.Bigint);
                await writer.WriteAsync(MemoryMarshal.AsBytes(descriptors[i].AsSpan()).ToArray(), NpgsqlDbType.Bytea);
            }
            await writer.CompleteAsync();
        }
    }
    await Exec(source, "VACUUM ANALYZE v_real");
    await Exec(source, "VACUUM ANALYZE v_bytea");
    Console.WriteLine($"{n} descriptors × {dimension} floats, PostgreSQL {await Scalar(source, "SHOW server_version")} on {new NpgsqlConnectionStringBuilder(server).Host}, median of {reads} reads after one warm-up");
    Console.WriteLine($"  table size: real[] {await Scalar(source, "SELECT pg_size_pretty(pg_total_relation_size('v_real'))")}, bytea {await Scalar(source, "SELECT pg_size_pretty(pg_total_relation_size('v_bytea'))")}");

    var realMs = Median(reads, () => ReadReal(source, n, dimension));
    var byteaMs = Median(reads, () => ReadBytea(source, n, dimension));
    Console.WriteLine($"  real[]: {realMs:0.0} ms   bytea: {byteaMs:0.0} ms   (real[] / bytea = {realMs / byteaMs:0.00})");

    // The stores themselves: n faces of one person each (joins with faces and people as the rebuild reads them).
    var records = descriptors.Select((d, i) => new PhotoRecord($"/bench/{i}.jpg", "h" + i, "P" + (i % 1000), null, 1, 250, 250,
        new StoredFaceInput(new FaceBox(1, 1, 100, 100), [new Point2(1, 1)], 0.9f, [0xFF, 0xD8, 0xFF, 0xD9], d))).ToArray();
    using var postgres = new PostgresGalleryStore(scoped);
    var sqlite = new SqliteGalleryStore(data);
    foreach (var batch in records.Chunk(500))
    {
        postgres.WriteBatch(batch);
        sqlite.WriteBatch(batch);
    }
    var pgMs = Median(reads, () => Check(postgres.ReadAllEmbeddings(dimension), n, dimension));
    var sqliteMs = Median(reads, () => Check(sqlite.ReadAllEmbeddings(dimension), n, dimension));
    Console.WriteLine($"  ReadAllEmbeddings: PostgresGalleryStore {pgMs:0.0} ms   SqliteGalleryStore {sqliteMs:0.0} ms");
}
finally
{
    await Exec(admin, $"DROP SCHEMA {schema} CASCADE");
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    if (Directory.Exists(data))
    {
        Directory.Delete(data, recursive: true);
    }
}
return 0;

static float[] ReadReal(NpgsqlDataSource source, int n, int dimension)
{
    var block = new float[n * dimension];
    var row = 0;
    using var connection = source.OpenConnection();
    using var command = new NpgsqlCommand("SELECT id, vector FROM v_real ORDER BY id", connection);
    using var reader = command.ExecuteReader();
    while (reader.Read())
    {
        var vector = reader.GetFieldValue<float[]>(1);
        vector.AsSpan().CopyTo(block.AsSpan(row++ * dimension, dimension));
    }
    return block;
}

static float[] ReadBytea(NpgsqlDataSource source, int n, int dimension)
{
    var block = new float[n * dimension];
    var row = 0;
    using var connection = source.OpenConnection();
    using var command = new NpgsqlCommand("SELECT id, vector FROM v_bytea ORDER BY id", connection);
    using var reader = command.ExecuteReader();
    var buffer = new byte[dimension * sizeof(float)];
    while (reader.Read())
    {
        if (reader.GetBytes(1, 0, null, 0, 0) != buffer.Length) // the length check the store makes
        {
            throw new InvalidOperationException("wrong length");
        }
        reader.GetBytes(1, 0, buffer, 0, buffer.Length);
        MemoryMarshal.Cast<byte, float>(buffer).CopyTo(block.AsSpan(row++ * dimension, dimension));
    }
    return block;
}

static float[] Check(StoredDescriptors read, int n, int dimension) =>
    read.Faces.Length == n && read.Vectors.Length == n * dimension ? read.Vectors : throw new InvalidOperationException("short read");

static double Median(int reads, Func<float[]> read)
{
    read();
    var times = new double[reads];
    for (var i = 0; i < reads; i++)
    {
        var stopwatch = Stopwatch.StartNew();
        GC.KeepAlive(read());
        times[i] = stopwatch.Elapsed.TotalMilliseconds;
    }
    Array.Sort(times);
    return times[reads / 2];
}

static async Task Exec(NpgsqlDataSource source, string sql)
{
    await using var command = source.CreateCommand(sql);
    await command.ExecuteNonQueryAsync();
}

static async Task<object?> Scalar(NpgsqlDataSource source, string sql)
{
    await using var command = source.CreateCommand(sql);
    return await command.ExecuteScalarAsync();
}
