/**
 * DescribeDomainRealTimeSrcTrafficData: one domain's origin-pull traffic between two instants. StartTime/EndTime
 * are sent as whole-second wire times; the answer comes back with its fields as received (`dataModule` =
 * RealTimeSrcTrafficDataPerInterval.DataModule, [] when absent). Validating the data is the normaliser's job.
 *
 * Other real-time metrics of one domain answer in the same shape under another `...PerInterval` field:
 * realTimeDomainMetric() builds such an action from its name and that field (see docs/ARCHITECTURE.md).
 */
import { ACTION_SRC_TRAFFIC, CDN_API_VERSION, type RawDataPoint, type SrcTrafficQuery, type SrcTrafficResponse } from '../api-types.js';
import { domainParam, isObject, ShapeError, wireTimeParam, type ApiAction } from './api-action.js';

/** An action that asks for one domain's metric over [startTime, endTime] and answers `<field>.DataModule`. */
export function realTimeDomainMetric(name: string, perIntervalField: string, version = CDN_API_VERSION): ApiAction<SrcTrafficQuery, SrcTrafficResponse> {
  return {
    name,
    version,
    params: (query) => ({
      DomainName: domainParam(query.domainName),
      StartTime: wireTimeParam(query.startTime, 'startTime'),
      EndTime: wireTimeParam(query.endTime, 'endTime'),
    }),
    domain: (query) => domainParam(query.domainName),
    read(json, requestId) {
      const perInterval = json[perIntervalField];
      let dataModule: unknown = [];
      if (perInterval !== undefined && perInterval !== null) {
        if (!isObject(perInterval)) throw new ShapeError(`${perIntervalField} is not an object`);
        dataModule = perInterval.DataModule ?? [];
      }
      if (!Array.isArray(dataModule) || !dataModule.every(isObject)) throw new ShapeError('DataModule is not a list of objects');
      return {
        requestId,
        domainName: json.DomainName,
        startTime: json.StartTime,
        endTime: json.EndTime,
        dataInterval: json.DataInterval,
        dataModule: dataModule as unknown as RawDataPoint[],
      };
    },
  };
}

export const SRC_TRAFFIC_ACTION = realTimeDomainMetric(ACTION_SRC_TRAFFIC, 'RealTimeSrcTrafficDataPerInterval');
