"""The names in an OLE compound file's directory (MS-CFB): enough to tell a Word, Excel or
PowerPoint 97–2003 file from another, and to find macros."""

import struct

OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")


def ole_names(upload) -> list[str]:
    """The names in an OLE compound file's directory (MS-CFB), read by following the
    directory's sector chain through the allocation table. Hand-written because only the
    names are needed and no OLE library is a dependency; every count and pointer is bounded
    so that a crafted file cannot loop or read outside itself."""
    upload.seek(0)
    header = upload.read(512)
    if len(header) < 512 or not header.startswith(OLE_SIGNATURE):
        raise ValueError("not an OLE file")
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        raise ValueError("bad sector size")
    sector_size = 1 << shift
    fat_count, first_dir = struct.unpack_from("<II", header, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", header, 0x44)
    size = upload.size
    max_sector = size // sector_size + 1
    if fat_count > max_sector or difat_count > max_sector:
        raise ValueError("bad counts")

    def read_sector(number: int) -> bytes:
        if number >= max_sector:
            raise ValueError("sector out of range")
        upload.seek((number + 1) * sector_size)
        data = upload.read(sector_size)
        if len(data) != sector_size:
            raise ValueError("short sector")
        return data

    fat_sectors = list(struct.unpack_from("<109I", header, 0x4C))
    next_difat, seen = first_difat, set()
    per_difat = sector_size // 4 - 1
    while next_difat < 0xFFFFFFFA and len(seen) < difat_count:
        if next_difat in seen:
            raise ValueError("DIFAT loop")
        seen.add(next_difat)
        values = struct.unpack(f"<{per_difat + 1}I", read_sector(next_difat))
        fat_sectors += values[:-1]
        next_difat = values[-1]
    fat_sectors = [s for s in fat_sectors if s < 0xFFFFFFFA][:fat_count]
    fat: list[int] = []
    for sector in fat_sectors:
        fat += struct.unpack(f"<{sector_size // 4}I", read_sector(sector))
    names, sector, visited = [], first_dir, set()
    while sector < 0xFFFFFFFA:
        if sector in visited or sector >= len(fat):
            raise ValueError("bad directory chain")
        visited.add(sector)
        data = read_sector(sector)
        for offset in range(0, sector_size, 128):
            length, kind = struct.unpack_from("<HB", data, offset + 64)
            if kind in (1, 2, 5) and 2 <= length <= 64:
                names.append(data[offset:offset + length - 2].decode("utf-16-le", "replace"))
        sector = fat[sector]
    return names
