/*
 * bcryptprimitives.dll for Wine 8, test machines only.
 *
 * Go >= 1.24 draws its randomness from ProcessPrng in bcryptprimitives.dll,
 * which Wine 8 does not ship, so every Go 1.26 program dies at start under
 * it. This stand-in forwards to advapi32's RtlGenRandom (SystemFunction036),
 * which Wine implements over the host's random source. It is copied into a
 * throwaway Wine prefix by setup.sh; it is never shipped.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
