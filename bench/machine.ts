/**
 * The machine a benchmark ran on, printed at the top of every run so figures are never
 * quoted without their context: CPU model and cores, memory, Node version, OS, and the disk
 * the data lives on.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly disk: string;
}

function diskOf(path: string): string {
  try {
    const text = execFileSync('df', ['-h', '--output=source,fstype,size', path], {
      encoding: 'utf8',
    });
    const line = text.trim().split('\n')[1] ?? '';
    return line.trim().replace(/\s+/g, ' ');
  } catch {
    return 'unknown';
  }
}

export function machineInfo(dataPath: string): MachineInfo {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    disk: diskOf(dataPath),
  };
}

export function formatMachine(info: MachineInfo): string {
  return [
    `machine: ${info.cpuModel}, ${info.cores} cores, ${info.memoryGiB} GiB`,
    `node ${info.node} on ${info.platform}; disk: ${info.disk}`,
  ].join('\n');
}
